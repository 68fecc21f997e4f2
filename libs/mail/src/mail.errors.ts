/**
 * A message the transport did not accept. `isPermanent` means retrying cannot help (the server
 * refused the recipient or the message with a 5xx); callers turn that into an unrecoverable job.
 */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly isPermanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

export function toMailDeliveryError(error: unknown): MailDeliveryError {
  const e = error as { message?: string; code?: string; responseCode?: number };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  // A refused recipient is EENVELOPE whatever the reply: its code decides (451 "try later" is not a bad address).
  const isPermanent = responseCode !== undefined ? responseCode >= 500 && responseCode < 600 : e.code === 'EENVELOPE';
  // The SMTP server's text can echo the recipient address: keep only the code.
  const detail = responseCode ? `SMTP ${responseCode}` : (e.code ?? 'unknown error');
  return new MailDeliveryError(`Mail was not accepted (${detail})`, isPermanent, responseCode);
}
