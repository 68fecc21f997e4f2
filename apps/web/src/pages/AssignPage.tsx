import { Title } from '@mantine/core';

export default function AssignPage() {
  return <Title order={1}>AssignPage</Title>;
}
