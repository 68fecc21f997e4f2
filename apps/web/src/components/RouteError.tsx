import { Button, Stack, Text } from '@mantine/core';
import { isRouteErrorResponse, useRouteError } from 'react-router';

import { PublicLayout } from './PublicLayout';

export function RouteError() {
  const error = useRouteError();
  const isNotFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <PublicLayout title={isNotFound ? 'Page not found' : 'Something went wrong'}>
      <Stack>
        <Text>
          {isNotFound
            ? 'This address does not lead to a page in Mend.'
            : 'The page could not be shown. Reloading usually helps; your work on the server is safe.'}
        </Text>
        <Button onClick={() => window.location.assign('/')}>Go to Mend</Button>
      </Stack>
    </PublicLayout>
  );
}
