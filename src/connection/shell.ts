/** POSIX shell quoting for commands sent to a remote shell (ssh has no argv, only a string). */

/** Quotes one word so /bin/sh reads it back unchanged. */
export function quote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}
