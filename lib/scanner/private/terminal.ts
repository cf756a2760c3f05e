// A module of its own, so the command line loads it at start-up without the YAML reader.

const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` (a file's name, a line of a message) fit for one line of a terminal: each character a
 * terminal would act on (a line break, ESC, a C1 or bidi control) escaped as JSON escapes it,
 * nothing cut. A file's name is anyone's: `new\nline.json` must not split an error line in two.
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
