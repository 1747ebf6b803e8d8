// file-paths.js — paths as the file API names them: relative to the server's file root ("" is
// the root, "/" separates folders), and the rule a new name must meet before it is sent.

export const joinPath = (dir, name) => (dir ? `${dir}/${name}` : name);
export const parentOf = (path) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/** Throws the message the dialog shows for a name the server would refuse. */
export function checkName(name) {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error('A name cannot be empty, “.”, “..” or contain “/”.');
  }
}
