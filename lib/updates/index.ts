export * from './firmware-signing-platform';
export * from './signed-firmware-pipeline';
