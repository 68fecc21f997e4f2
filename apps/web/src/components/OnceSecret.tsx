import { Alert, Button, CopyButton, Group, Stack, Text, TextInput } from '@mantine/core';

/** A secret the API shows once (it keeps only a hash): copy it now, it is never shown again. */
export function OnceSecret({
  label,
  value,
  title,
  children,
}: {
  label: string;
  /** Absent when the API answered a replay of the same request: the secret is never repeated. */
  value: string | undefined;
  title: string;
  children?: React.ReactNode;
}) {
  return (
    <Alert color="green" variant="light" title={title} role="status">
      <Stack gap="xs">
        {value === undefined ? (
          <Text size="sm">
            It was shown once, when it was made, and cannot be shown again. Make a new one if it was lost.
          </Text>
        ) : (
          <Text size="sm">Copy it now. Mend keeps only a fingerprint of it and will not show it again.</Text>
        )}
        {value === undefined ? null : (
          <>
            <TextInput
              label={label}
              value={value}
              readOnly
              onFocus={(e) => e.currentTarget.select()}
              styles={{ input: { fontFamily: 'monospace' } }}
            />
            <Group>
              <CopyButton value={value}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </>
        )}
        {children}
      </Stack>
    </Alert>
  );
}
