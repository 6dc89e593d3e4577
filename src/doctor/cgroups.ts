import { detectCgroupLayout, type CgroupHierarchy } from '../observe/cgroup-layout.js';
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
  let hierarchies: CgroupHierarchy[];
  let layout: CgroupFacts['layout'];
  try {
    ({ kind: layout, hierarchies } = detectCgroupLayout(reader));
  } catch {
    return NONE;
  }
  const controllers = Object.fromEntries(
    LIMIT_CONTROLLERS.map((name) => [name, placeController(hierarchies, name)]),
  ) as CgroupFacts['controllers'];
  return {
    layout,
    hierarchies: hierarchies.map((h) => ({
      version: h.version,
      mountPoint: h.mountPoint,
      controllers: h.name === null ? h.controllers : [...h.controllers, `name=${h.name}`],
      ownDir: h.ownDir ?? '',
      writable: h.writable,
    })),
    controllers,
  };
}

/** A v1 hierarchy that binds the controller wins (hybrid machines); else v2 if our group may use it. */
function placeController(hierarchies: CgroupHierarchy[], name: LimitController): CgroupFacts['controllers'][LimitController] {
  const v1 = hierarchies.find((h) => h.version === 1 && h.controllers.includes(name));
  if (v1) return { dir: v1.ownDir, version: 1, writable: v1.writable && v1.ownDir !== null };
  const v2 = hierarchies.find((h) => h.version === 2 && (h.ownControllers ?? h.controllers).includes(name));
  if (v2) return { dir: v2.ownDir, version: 2, writable: v2.writable && v2.ownDir !== null };
  return { dir: null, version: null, writable: false };
}
