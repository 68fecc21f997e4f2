import { Alert, Button, CopyButton, Group, Stack, Text, Textarea, TextInput } from '@mantine/core';

/**
 * A secret the API shows once (it keeps only a hash): an API key, a signing secret, recovery
 * codes. Copy it now (or download it as a text file); it is never shown again.
 */
export function OnceSecret({
  label,
  value,
  title,
  download,
  children,
}: {
  label: string;
  /** Absent when the API answered a replay of the same request: the secret is never repeated. */
  value: string | undefined;
  title: string;
  /** Offer the value as a text file of this name too (for codes kept on paper or in a vault). */
  download?: string;
  children?: React.ReactNode;
}) {
  const lines = value?.split('\n').length ?? 1;
  const field = {
    label,
    value: value ?? '',
    readOnly: true,
    onFocus: (e: React.FocusEvent<HTMLInputElement | HTMLTextAreaElement>) => e.currentTarget.select(),
    styles: { input: { fontFamily: 'monospace' } },
  };
  return (
    <Alert color="green" variant="light" title={title} role="status">
      <Stack gap="xs">
        {value === undefined ? (
          <Text size="sm">
            It was shown once, when it was made, and cannot be shown again. Make a new one if it was lost.
          </Text>
        ) : (
          <Text size="sm">
            {lines > 1
              ? 'Copy or download them now. Mend keeps only fingerprints of them and will not show them again.'
              : 'Copy it now. Mend keeps only a fingerprint of it and will not show it again.'}
          </Text>
        )}
        {value === undefined ? null : (
          <>
            {lines > 1 ? <Textarea {...field} autosize minRows={lines} maxRows={lines} /> : <TextInput {...field} />}
            <Group>
              <CopyButton value={value}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
              {download ? (
                <Button
                  component="a"
                  variant="default"
                  href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${value}\n`)}`}
                  download={download}
                  aria-label={`Download ${label.toLowerCase()}`}
                >
                  Download
                </Button>
              ) : null}
            </Group>
          </>
        )}
        {children}
      </Stack>
    </Alert>
  );
}
