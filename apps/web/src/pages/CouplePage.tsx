import { Title } from '@mantine/core';

export default function CouplePage() {
  return <Title order={1}>CouplePage</Title>;
}
