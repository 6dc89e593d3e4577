import { badOutput, count, either, exactly, flag, keyed, listOf, matching, nullable, oneOf, shape, text } from './probe-shape.js';
import {
  PROBE_FORMAT,
  PROBE_NAMESPACES,
  PROBE_RLIMITS,
  type CapabilityReport,
  type CapabilitySet,
  type CgroupMembership,
  type IdMapRange,
  type IdSet,
  type LimitValue,
  type NamespaceRef,
  type OpenFd,
  type ProbeFailure,
  type ProbeReport,
  type RlimitPair,
  type SeccompReport,
} from './probe-report.js';

const idSet = shape<IdSet>({ real: count, effective: count, saved: count, fs: count });
const idMap = listOf(shape<IdMapRange>({ inside: count, outside: count, count }));

const capabilitySet = shape<CapabilitySet>({
  hex: matching(/^[0-9a-f]{16}$/, '16 lowercase hex digits'),
  names: listOf(matching(/^(CAP_[A-Z_]+|cap_\d+)$/, 'a capability name (CAP_X or cap_N)')),
});

const capabilities = shape<CapabilityReport>({
  lastCap: nullable(count),
  inheritable: nullable(capabilitySet),
  permitted: nullable(capabilitySet),
  effective: nullable(capabilitySet),
  bounding: nullable(capabilitySet),
  ambient: nullable(capabilitySet),
});

const seccomp = shape<SeccompReport>({
  mode: count,
  name: oneOf(['disabled', 'strict', 'filter', 'unknown']),
  filters: nullable(count),
  source: oneOf(['proc', 'prctl']),
});

const namespaceRef = shape<NamespaceRef>({ type: text, inode: count });

const cgroup = shape<CgroupMembership>({ hierarchy: count, controllers: listOf(text), path: text });

const openFd = shape<OpenFd>({ fd: count, target: nullable(text) });

const limitValue = either<number, LimitValue>(count, exactly('unlimited'), 'an integer >= 0 or "unlimited"');
const rlimitPair = shape<RlimitPair>({ soft: limitValue, hard: limitValue });

const failure = shape<ProbeFailure>({ field: text, call: text, errno: matching(/^E[A-Z0-9]+$/, 'an errno name') });

const report = shape<ProbeReport>({
  probeFormat: exactly(PROBE_FORMAT),
  pid: count,
  ppid: count,
  hostname: nullable(text),
  domainname: nullable(text),
  kernelRelease: nullable(text),
  machine: nullable(text),
  uid: nullable(idSet),
  gid: nullable(idSet),
  groups: nullable(listOf(count)),
  uidMap: nullable(idMap),
  gidMap: nullable(idMap),
  setgroups: nullable(text),
  capabilities,
  noNewPrivs: nullable(flag),
  seccomp: nullable(seccomp),
  namespaces: keyed(PROBE_NAMESPACES, nullable(namespaceRef)),
  cgroups: nullable(listOf(cgroup)),
  root: nullable(text),
  cwd: nullable(text),
  mountCount: nullable(count),
  fds: nullable(listOf(openFd)),
  rlimits: keyed(PROBE_RLIMITS, nullable(rlimitPair)),
  errors: listOf(failure),
  errorsDropped: count,
});

/** Parses and checks what gbx-probe printed; throws PROBE_BAD_OUTPUT naming the first bad field. */
export function parseProbeReport(output: string): ProbeReport {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch (error) {
    throw badOutput('', `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return report(value, '');
}
