import { Title } from '@mantine/core';

export default function ExerciseEditorPage() {
  return <Title order={1}>ExerciseEditorPage</Title>;
}
