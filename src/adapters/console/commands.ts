/** The console's command vocabulary, pure: a typed line, "/status messaging", split into words. */
export interface ParsedLine {
  readonly command: string;
  readonly args: string[];
}

export const parseConsoleLine = (line: string): ParsedLine => {
  const [command = '', ...args] = line.trim().split(/\s+/);
  return { command, args };
};
