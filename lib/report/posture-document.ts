/*
 * The posture report as a document, for what builds it outside `SecurityPostureReport`: the
 * template scanner (`--report`) builds it from scanned templates, and `SecureIotDeployment`
 * records its profile under `POSTURE_METADATA_KEY` for the report to read. What the report folder
 * offers other folders; its private modules stay its own. Not exported from the package root:
 * these are plain functions and JSON shapes, not jsii API (`SecurityPostureReport` is).
 */
export { buildPosture, POSTURE_METADATA_KEY } from './private/posture';
export type {
  PostureAcknowledgment, PostureDocument, PostureFinding, PostureOptions, PostureStackInput, StackDeclaration,
} from './private/posture';
export { renderHtml, renderMarkdown } from './private/render';
export { iotLensByPractice, practiceOfFinding } from './private/rule-practices';
