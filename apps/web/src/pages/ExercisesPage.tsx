import { Title } from '@mantine/core';

export default function ExercisesPage() {
  return <Title order={1}>ExercisesPage</Title>;
}
