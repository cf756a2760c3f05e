/**
 * Input the scanner cannot read: a missing file, a syntax error, a file that is not a
 * CloudFormation template, an unreadable acknowledgments file. Its message names the file and,
 * where known, the line; the command line prints it and exits with code 2.
 */
export class ScanInputError extends Error {
  /** The file the problem is in. */
  public readonly file: string;
  /** The 1-based line of the problem, where the parser gives it. */
  public readonly line?: number;
  /** What is wrong, in plain words, without the file and line. */
  public readonly problem: string;

  constructor(file: string, problem: string, line?: number) {
    super(line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`);
    this.name = 'ScanInputError';
    this.file = file;
    this.line = line;
    this.problem = problem;
  }
}
