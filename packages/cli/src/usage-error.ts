/** A command line the CLI cannot act on; printed with the command's usage, exit code 3. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
