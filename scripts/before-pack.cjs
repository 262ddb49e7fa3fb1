// electron-builder's beforePack hook (electron-builder.yml): before each platform/arch is packed,
// better-sqlite3 in node_modules is rebuilt for that Electron and arch, so the copy that ships loads.
const { Arch } = require('builder-util');

exports.default = async function beforePack(context, rebuild) {
  const { rebuildForElectron } = await import('./native-runtime.mjs');
  const { projectDir, config } = context.packager;
  await rebuildForElectron({ projectDir, electronVersion: config.electronVersion, arch: Arch[context.arch], platform: context.electronPlatformName }, rebuild);
};
