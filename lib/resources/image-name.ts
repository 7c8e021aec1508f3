/**
 * MAAS up to 3.7 stores `custom/foo` as `foo`; 3.8 keeps `custom/foo`
 * (docs/maas-upload-protocol.md#name-rules step 3). Both spellings name the same custom image, so
 * sites are compared, and `name=` filters, on the name without the prefix.
 */
export function imageNameKey(name: string): string {
  return name.startsWith('custom/') ? name.slice('custom/'.length) : name;
}
