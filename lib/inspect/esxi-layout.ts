/**
 * ESXi's partition layouts (docs/image-inspection.md#esxi-layouts): the bootbank is partition 5
 * and the altbootbank 6 on every release from 6.7 to 9.x; the VMFS datastore is partition 3 on
 * 6.7 and partition 8 from 7.0, where partition 7 is ESX-OSData (VMFS-L).
 */
import type { PartitionEntry, PartitionTable } from './partition-table.js';

export interface EsxiLayout {
  /** `6.7` (datastore on 3) or `7.0+` (ESX-OSData on 7, datastore on 8). */
  generation: '6.7' | '7.0+';
  bootbank: PartitionEntry;
  /** The datastore partition's number, or null when the image has none (7.0+ built on 32 GB). */
  datastore: number | null;
}

export function esxiLayout(table: PartitionTable): EsxiLayout | null {
  if (table.scheme !== 'gpt') return null;
  const part = (n: number): PartitionEntry | undefined => table.partitions.find((p) => p.number === n);
  const boot = part(1);
  const bootbank = part(5);
  const altbootbank = part(6);
  if (!boot || !bootbank || !altbootbank || boot.typeName !== 'EFI system' || bootbank.typeName !== 'basic data') return null;
  const isVmfs = (n: number): boolean => part(n)?.typeName === 'VMware VMFS';
  if (isVmfs(3)) return { generation: '6.7', bootbank, datastore: 3 };
  if (part(7)?.typeName.startsWith('VMware VMFS-L') || isVmfs(8)) return { generation: '7.0+', bootbank, datastore: isVmfs(8) ? 8 : null };
  return null;
}
