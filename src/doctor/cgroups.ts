import { detectCgroupLayout, findCgroupHierarchy, ownCgroupDir, type CgroupLayout } from '../observe/cgroup-layout.js';
import type { KernelReader } from '../observe/reader.js';
import { LIMIT_CONTROLLERS, type DoctorFacts, type LimitController } from './facts.js';

type CgroupFacts = DoctorFacts['cgroups'];

const NONE: CgroupFacts = {
  layout: 'none',
  hierarchies: [],
  controllers: {
    memory: { dir: null, version: null, writable: false },
    cpu: { dir: null, version: null, writable: false },
    pids: { dir: null, version: null, writable: false },
  },
};

/** Where each limit controller lives (v1 hierarchy or v2), and whether glassbox may create groups there. */
export function collectCgroupFacts(reader: KernelReader | undefined): CgroupFacts {
  if (reader === undefined) return NONE;
  let layout: CgroupLayout;
  try {
    layout = detectCgroupLayout(reader);
  } catch {
    return NONE;
  }
  const controllers = Object.fromEntries(
    LIMIT_CONTROLLERS.map((name) => [name, placeController(layout, name)]),
  ) as CgroupFacts['controllers'];
  return {
    layout: layout.kind,
    hierarchies: layout.hierarchies.map((h) => ({
      version: h.version,
      mountPoint: h.mountPoint,
      controllers: h.name === null ? h.controllers : [...h.controllers, `name=${h.name}`],
      ownDir: h.ownDir ?? '',
      writable: h.writable,
    })),
    controllers,
  };
}

/** Where glassbox would create groups for a limit controller, and whether it may. */
function placeController(layout: CgroupLayout, name: LimitController): CgroupFacts['controllers'][LimitController] {
  const hierarchy = findCgroupHierarchy(layout, name);
  const dir = ownCgroupDir(layout, name);
  if (hierarchy === null) return { dir: null, version: null, writable: false };
  return { dir, version: hierarchy.version, writable: dir !== null && hierarchy.writable };
}
