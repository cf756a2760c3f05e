/**
 * How much one scan reads at most. Each limit bounds the work a file can ask for (a file is
 * anyone's: a pull request's template, a folder a CI job was handed), so a scan always ends, in
 * time about linear in what the limits let a file be (within the defaults, one hostile file can
 * still take some seconds: docs/scanner.md states the slowest measured). A limit reached is a
 * named error on the file (exit code 2). Every default is above what CloudFormation itself
 * deploys, and each can be raised.
 */
export interface ScanLimits {
  /**
   * The largest file the scanner reads, in bytes: a template, a cloud assembly manifest or
   * metadata file, an acknowledgments file. CloudFormation takes a template of at most 1 MB (from
   * S3; 51,200 bytes inline) and 500 resources; a CDK app writes one metadata file per stack (about
   * 1.5 KB a resource, under 1 MB for 500), and older CDK versions one manifest of a few MB for a
   * few thousand resources. A JSON file of 8 MiB reads in seconds (7.4 MB of 50,000 policies: 17 s).
   * @default 8388608 (8 MiB)
   */
  readonly maxFileBytes?: number;
  /**
   * The largest YAML file the scanner reads, in bytes, and the most characters its strings and
   * keys may come to with its aliases expanded. YAML is read some 50 times slower than JSON (about
   * 1 MB a second, less for hostile text: a 2 MiB flow list `[1,1,...]` took 21 s), and no template
   * CloudFormation deploys is larger than 1 MB: this keeps one file's read to seconds, where
   * `maxFileBytes` alone would let a YAML file take a minute.
   * @default 1048576 (1 MiB)
   */
  readonly maxYamlBytes?: number;
  /**
   * The longest single value (a string or key) in a template, in characters: none can be longer
   * than the 1 MB template that holds it.
   * @default 1048576 (1 Mi characters)
   */
  readonly maxScalarLength?: number;
  /**
   * How deep a template's values may nest. A template nests a few levels for its sections and
   * resources, and a policy document or state machine definition a dozen more.
   * @default 200
   */
  readonly maxNestingDepth?: number;
  /**
   * How many values (scalars, lists and mappings) a YAML file may expand to through its aliases:
   * at two bytes the shortest value, what fits in CloudFormation's 1 MB, as the packaging tools
   * upload aliases expanded. The characters those values hold are bounded by `maxYamlBytes`.
   * @default 500000
   */
  readonly maxAliasExpansion?: number;
  /**
   * How deep below a scanned folder the scanner looks for templates.
   * @default 32
   */
  readonly maxFolderDepth?: number;
  /**
   * How many files one scan reads (templates, manifests, metadata files), folders and cloud
   * assemblies together.
   * @default 10000
   */
  readonly maxFiles?: number;
  /**
   * How deep cloud assemblies (a CDK stage's assembly in its parent's) and nested stacks may nest.
   * @default 100
   */
  readonly maxAssemblyNesting?: number;
}
