/** The Docker lab of simulated GPU nodes (see lab.ts). */
export { Lab, checkInit, type LabOpenOptions, type LabUpOptions, type LabStatus, type SeedModelResult } from './lab.js';
export type { LabNode } from './nodes.js';
export { labsRoot, labPaths, type LabInit, type LabPaths, type LabSettings } from './state.js';
export { ensureNodeImage, NODE_REPOSITORY } from './node-image.js';
export { DEFAULT_LAB_NAME, MIRROR_HOST, MIRROR_PORT, NODE_WHEELHOUSE, labScope } from './names.js';
