import { Button, CopyButton, Group, List, Skeleton, Stack, Text, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';

/**
 * Setting up an authenticator app: the otpauth URI as a QR code to scan, and the same secret as
 * text for typing in by hand (a phone cannot scan its own screen). The QR code is drawn as SVG by
 * `qrcode`, loaded only here, so no other page pays for it.
 */
export function TotpSetup({ otpauthUri, secret }: { otpauthUri: string; secret: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  const [hasFailed, setFailed] = useState(false);
  useEffect(() => {
    let isCurrent = true;
    import('qrcode')
      .then((qr) => qr.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }))
      .then((drawn) => isCurrent && setSvg(drawn))
      .catch(() => isCurrent && setFailed(true));
    return () => {
      isCurrent = false;
    };
  }, [otpauthUri]);
  // Groups of four are easier to type; authenticator apps ignore the spaces.
  const grouped = secret.replace(/(.{4})(?=.)/g, '$1 ');
  return (
    <Stack gap="sm">
      <List type="ordered" spacing="xs" size="sm">
        <List.Item>
          Open an authenticator app on your phone (for example 1Password, Google Authenticator or Authy).
        </List.Item>
        <List.Item>Add an account and scan this QR code, or type in the setup key below.</List.Item>
        <List.Item>Enter the 6-digit code the app then shows.</List.Item>
      </List>
      {svg ? (
        <img
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
          alt="QR code to scan with your authenticator app"
          width={184}
          height={184}
          style={{ background: 'white', alignSelf: 'center' }}
        />
      ) : hasFailed ? (
        <Text size="sm">The QR code could not be drawn. Type in the setup key instead.</Text>
      ) : (
        <Skeleton h={184} w={184} style={{ alignSelf: 'center' }} aria-hidden />
      )}
      {/* A textarea so the whole key wraps into view on a phone instead of scrolling out of sight. */}
      <Textarea
        autosize
        minRows={1}
        label="Setup key"
        description="Time-based, 6 digits, a new code every 30 seconds."
        value={grouped}
        readOnly
        onFocus={(e) => e.currentTarget.select()}
        styles={{ input: { fontFamily: 'monospace' } }}
      />
      <Group>
        <CopyButton value={secret}>
          {({ copied, copy }) => (
            <Button variant="default" size="xs" onClick={copy}>
              {copied ? 'Copied' : 'Copy key'}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}
