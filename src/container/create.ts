import fs from 'node:fs';
import path from 'node:path';
import type { Kernel } from '../kernel/types.js';
import type { CgroupLayout } from '../observe/cgroup-layout.js';
import type { ImageConfig } from '../oci/config.js';
import { prepareRootfs } from '../rootfs/prepare-rootfs.js';
import { acquireLock } from '../store/lock.js';
import type { ProcessIdentity } from '../store/process-alive.js';
import { planCgroups } from './cgroup-plan.js';
import type { DockerRunFlags } from './docker-flags.js';
import { writeEtcFiles } from './etc-files.js';
import { commandFor, specFromImage } from './image-spec.js';
import { newContainerId, pickName } from './names.js';
import { containerPaths, containersRoot, currentBootId, listStates, writeState, type ContainerState } from './state.js';

/**
`docker create`: a new id and a unique name (taken under the containers lock, so two runs
cannot both get `--name web`), the spec from the image and the flags, and the overlay
planned, all written to state.json before anything is mounted. Nothing in the kernel
changes here.
*/
export interface CreateRequest {
  /** The image as typed, and what it resolved to. */
  image: { input: string; id: string; reference?: string; config: ImageConfig };
  /** Unpacked layer directories, bottom first. */
  layers: string[];
  args: string[];
  entrypoint?: string;
  flags: DockerRunFlags;
  name?: string;
  tty?: boolean;
  openStdin?: boolean;
  autoRemove?: boolean;
  detach?: boolean;
  /** The glassbox process that will take the resources (and so must release them). */
  owner: ProcessIdentity;
  /**
  The cgroup layout, when the caller starts the container right away (run's prepareStart):
  its groups are then planned here and recorded in this first write, not made, which saves
  startCreated a write of its own. gc already meets recorded groups that do not exist.
  */
  cgroupLayout?: CgroupLayout;
}

export async function createContainer(kernel: Kernel, request: CreateRequest, root: string = containersRoot()): Promise<ContainerState> {
  fs.mkdirSync(root, { recursive: true, mode: 0o711 });
  const release = await acquireLock(path.join(root, '.lock'), { timeoutMs: 10_000 });
  try {
    const name = pickName(request.name, listStates(root));
    const id = newContainerId();
    const paths = containerPaths(id, root);
    const command = commandFor(request.image.config, request.args, request.entrypoint);
    const { plan } = prepareRootfs(kernel, { layers: request.layers, containerDir: paths.fsDir, volatile: request.autoRemove === true });
    const { spec, userName } = specFromImage(id, plan.merged, request.image.config, command.argv, request.flags);
    const flags: Record<string, unknown> = { ...request.flags };
    if (userName !== undefined) flags.userName = userName;
    const stopSignal = request.image.config.config?.StopSignal;
    if (stopSignal !== undefined && stopSignal !== '') flags.stopSignal = stopSignal;
    const state: ContainerState = {
      format: 1,
      id,
      name,
      created: new Date().toISOString(),
      status: 'created',
      config: {
        image: request.image.input,
        imageId: request.image.id,
        ...(request.image.reference === undefined ? {} : { imageRef: request.image.reference }),
        entrypoint: command.entrypoint,
        cmd: command.cmd,
        tty: request.tty === true,
        openStdin: request.openStdin === true,
        autoRemove: request.autoRemove === true,
        detach: request.detach === true,
        flags,
      },
      layers: request.layers,
      spec,
      rootfs: { plan, mounted: false },
      ...(request.cgroupLayout === undefined ? {} : { cgroups: planCgroups(request.cgroupLayout, id, spec.limits) }),
      processes: { owner: request.owner },
      ...(currentBootId() === null ? {} : { bootId: currentBootId()! }),
    };
    fs.mkdirSync(paths.dir, { mode: 0o711 });
    try {
      // The container's own /etc/hostname, hosts and resolv.conf, beside its state (gone with it).
      spec.etcFiles = writeEtcFiles(path.join(paths.dir, 'etc'), { hostname: spec.hostname ?? id.slice(0, 12), privateNetwork: spec.namespaces.includes('net') });
      writeState(state, root);
    } catch (error) {
      fs.rmSync(paths.dir, { recursive: true, force: true });
      throw error;
    }
    return state;
  } finally {
    release();
  }
}
