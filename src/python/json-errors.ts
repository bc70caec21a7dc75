/**
 * Python's json.loads error messages ("Expecting value: line 1 column 1 (char 0)"), made from
 * what JSON.parse says: users match these in playbooks (from_json's failures).
 */

/** Python's message for text JSON.parse refused with `error`. */
export function pythonJsonError(text: string, error: Error): string {
  const message = error.message;
  const at = /position (\d+)/.exec(message);
  let index = at ? Number(at[1]) : text.length;
  let what = 'Expecting value';
  if (/property name/.test(message)) what = 'Expecting property name enclosed in double quotes';
  else if (/Expected ':'/.test(message)) what = "Expecting ':' delimiter";
  else if (/Expected ',' or/.test(message)) what = "Expecting ',' delimiter";
  else if (/non-whitespace character after JSON/.test(message)) what = 'Extra data';
  else if (/Unterminated string/.test(message)) what = 'Unterminated string starting at';
  else if (/end of JSON input/.test(message)) index = text.length;
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - (before.lastIndexOf('\n') + 1) + 1;
  return `${what}: line ${line} column ${column} (char ${index})`;
}
