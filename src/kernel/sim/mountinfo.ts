import { MS } from '../flags.js';
import type { Mount, MountNamespace } from './mount-table.js';

/** /proc/<pid>/mountinfo and /proc/<pid>/mounts from the mount table, in the kernel's format (proc(5)). */

/** show_mountinfo() escapes space, tab, newline and backslash as octal. */
export function escapeMountField(text: string): string {
  return text.replace(/[ \t\n\\]/g, (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** Per-mount options: `ro`/`rw` then the flags in the kernel's order (show_mnt_opts()). */
export function mountOptions(flags: number): string {
  const options = [(flags & MS.MS_RDONLY) !== 0 ? 'ro' : 'rw'];
  if ((flags & MS.MS_NOSUID) !== 0) options.push('nosuid');
  if ((flags & MS.MS_NODEV) !== 0) options.push('nodev');
  if ((flags & MS.MS_NOEXEC) !== 0) options.push('noexec');
  if ((flags & MS.MS_NOATIME) !== 0) options.push('noatime');
  else if ((flags & MS.MS_STRICTATIME) === 0) options.push('relatime');
  if ((flags & MS.MS_NODIRATIME) !== 0) options.push('nodiratime');
  if ((flags & MS.MS_NOSYMFOLLOW) !== 0) options.push('nosymfollow');
  return options.join(',');
}

export function superOptions(mount: Mount): string {
  const extra = mount.fs.superOptions();
  const ro = mount.fs.readOnly ? 'ro' : 'rw';
  return extra === '' ? ro : `${ro},${extra}`;
}

function optionalFields(mount: Mount): string {
  const fields: string[] = [];
  if (mount.shared !== 0) fields.push(`shared:${mount.shared}`);
  if (mount.master !== 0) fields.push(`master:${mount.master}`);
  if (mount.unbindable) fields.push('unbindable');
  return fields.map((f) => ` ${f}`).join('');
}

export function formatMountinfo(ns: MountNamespace): string {
  return ns.mounts
    .map((m) => {
      // The namespace root's parent is the kernel's hidden rootfs mount, id 1.
      const parentId = m.parent?.id ?? 1;
      const dev = `${m.fs.dev.major}:${m.fs.dev.minor}`;
      return `${m.id} ${parentId} ${dev} ${escapeMountField(m.rootPath)} ${escapeMountField(m.mountPath)} ${mountOptions(m.flags)}${optionalFields(m)} - ${m.fs.fstype} ${escapeMountField(m.fs.source)} ${superOptions(m)}\n`;
    })
    .join('');
}

export function formatMounts(ns: MountNamespace): string {
  return ns.mounts
    .map((m) => {
      const opts = [mountOptions(m.flags), m.fs.superOptions()].filter((o) => o !== '').join(',');
      return `${escapeMountField(m.fs.source)} ${escapeMountField(m.mountPath)} ${m.fs.fstype} ${opts} 0 0\n`;
    })
    .join('');
}
