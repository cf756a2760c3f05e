import * as fs from 'fs';
import * as path from 'path';
import { ScanInputError } from '../scan-error';
import { isTemplate, LoadedTemplate, loadTemplate, parseTemplateText } from './template-loader';

/** What the inputs expanded to: the templates to scan, and the files of a folder passed over. */
export interface ExpandedInputs {
  readonly templates: LoadedTemplate[];
  /** Files met while walking a plain folder that are not CloudFormation templates, with why. */
  readonly skipped: { file: string; reason: string }[];
}

const TEMPLATE_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '.template']);
const LOOKS_LIKE_TEMPLATE = /AWSTemplateFormatVersion|^Resources:|"Resources"\s*:/m;
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/**
 * Expands the command line's inputs: a file is a template (an error if it is not one); a folder
 * with a `manifest.json` is a cloud assembly (every stack template the manifest lists, nested
 * stacks and nested assemblies included); any other folder yields every template found in it.
 */
export function expandInputs(inputs: readonly string[]): ExpandedInputs {
  const result: ExpandedInputs = { templates: [], skipped: [] };
  const seen = new Set<string>();
  const add = (t: LoadedTemplate) => {
    const key = path.resolve(t.file);
    if (seen.has(key)) return;
    seen.add(key);
    result.templates.push(t);
  };
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      throw new ScanInputError(input, 'no such file or folder');
    }
    if (!stat.isDirectory()) {
      add(loadTemplate(input));
    } else if (fs.existsSync(path.join(input, 'manifest.json'))) {
      const found = cloudAssemblyTemplates(input);
      if (found.length === 0) throw new ScanInputError(path.join(input, 'manifest.json'), 'the cloud assembly lists no stack template');
      found.forEach(add);
    } else {
      const before = result.templates.length;
      walkFolder(input, add, result.skipped);
      if (result.templates.length === before) {
        throw new ScanInputError(input, 'the folder holds no CloudFormation template (.json, .yaml, .yml or .template with a Resources section)');
      }
    }
  }
  return result;
}

interface ManifestArtifact {
  readonly type?: string;
  readonly properties?: { readonly templateFile?: string; readonly directoryName?: string };
}

function readManifest(dir: string): { artifacts?: { [id: string]: ManifestArtifact } } {
  const file = path.join(dir, 'manifest.json');
  const manifest = parseTemplateText(file, fs.readFileSync(file, 'utf8')).template;
  if (typeof manifest !== 'object' || manifest === null) throw new ScanInputError(file, 'is not a cloud assembly manifest');
  return manifest;
}

/** The templates of a cloud assembly: its stacks, the nested stacks they deploy, nested assemblies (stages). */
function cloudAssemblyTemplates(dir: string): LoadedTemplate[] {
  const templates: LoadedTemplate[] = [];
  const artifacts = readManifest(dir).artifacts ?? {};
  for (const artifact of Object.values(artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      withNestedStacks(dir, path.join(dir, artifact.properties.templateFile), templates);
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      templates.push(...cloudAssemblyTemplates(path.join(dir, artifact.properties.directoryName)));
    }
  }
  return templates;
}

/**
 * Loads `file` and, depth first, every nested stack template its `AWS::CloudFormation::Stack`
 * resources deploy: CDK writes the template as an asset and names it in `aws:asset:path`.
 */
function withNestedStacks(dir: string, file: string, into: LoadedTemplate[]): void {
  const loaded = loadTemplate(file);
  into.push(loaded);
  for (const resource of Object.values<any>(loaded.template.Resources)) {
    const assetPath = resource?.Metadata?.['aws:asset:path'];
    if (resource?.Type === 'AWS::CloudFormation::Stack' && typeof assetPath === 'string' && assetPath.endsWith('.json')) {
      const nested = path.join(dir, assetPath);
      if (fs.existsSync(nested) && !into.some((t) => path.resolve(t.file) === path.resolve(nested))) {
        withNestedStacks(dir, nested, into);
      }
    }
  }
}

function walkFolder(dir: string, add: (t: LoadedTemplate) => void, skipped: { file: string; reason: string }[]): void {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
      if (fs.existsSync(path.join(full, 'manifest.json'))) {
        cloudAssemblyTemplates(full).forEach(add);
      } else {
        walkFolder(full, add, skipped);
      }
    } else if (entry.isFile() && TEMPLATE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      const text = fs.readFileSync(full, 'utf8');
      let loaded: LoadedTemplate;
      try {
        loaded = parseTemplateText(full, text);
      } catch (e) {
        // A broken file that says it is a template is bad input; any other is not ours to judge.
        if (LOOKS_LIKE_TEMPLATE.test(text)) throw e;
        skipped.push({ file: full, reason: (e as Error).message });
        continue;
      }
      if (isTemplate(loaded.template)) {
        add(loaded);
      } else {
        skipped.push({ file: full, reason: 'not a CloudFormation template (no Resources section)' });
      }
    }
  }
}
