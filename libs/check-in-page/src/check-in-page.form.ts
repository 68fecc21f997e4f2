// The form rules live in @mend/check-in-form, shared with the web app's in-app check-in.
export * from '@mend/check-in-form';
