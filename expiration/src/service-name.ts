export const SERVICE_NAME = 'expiration';
