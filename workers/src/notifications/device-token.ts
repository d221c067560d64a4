/**
 * A device token as logs show it: its first and last four characters, enough to match a
 * report against a device table without putting a usable token in the logs.
 */
export function maskDeviceToken(token: string): string {
  return token.length <= 12 ? '…' : `${token.slice(0, 4)}…${token.slice(-4)}`;
}
