import { Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';

import { api, unwrap } from '../api/client';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';

export default function CaseloadsPage() {
  useDocumentTitle('Clinic');
  const caseloads = useQuery({
    queryKey: ['clinic-caseloads'],
    queryFn: () => unwrap(api.GET('/v1/clinic/caseloads', { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack>
      <Title order={1}>Clinic</Title>
      <Text c="dimmed">Each therapist’s load. Check-in answers and notes stay with the therapists.</Text>
      <QueryState query={caseloads} label="the caseloads">
        {(page) =>
          page.data.length === 0 ? (
            <Text>No therapists yet. Invite one through the API’s users endpoint.</Text>
          ) : (
            <Table.ScrollContainer
              type="native"
              role="region"
              minWidth={560}
              tabIndex={0}
              aria-label="Therapists’ caseloads"
            >
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Therapist</Table.Th>
                    <Table.Th scope="col">Active couples</Table.Th>
                    <Table.Th scope="col">Overdue homework</Table.Th>
                    <Table.Th scope="col">Couples with open alerts</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((row) => (
                    <Table.Tr key={row.therapistId}>
                      <Table.Th scope="row">{row.name}</Table.Th>
                      <Table.Td>{row.activeCouples}</Table.Td>
                      <Table.Td>{row.overdueOccurrences}</Table.Td>
                      <Table.Td>{row.couplesWithOpenAlerts}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Stack>
  );
}
