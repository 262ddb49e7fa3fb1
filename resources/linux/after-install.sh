#!/bin/bash
# The deb's post-install (electron-builder.yml deb.afterInstall; electron-builder fills in the
# executable and product names). It replaces electron-builder's own script, so it does
# that script's work first (command on PATH, chrome-sandbox, desktop database, AppArmor profile on
# Ubuntu 24+), then installs Flashdeck's udev rules and says how to reach serial ports.

if type update-alternatives >/dev/null 2>&1; then
    # Remove a previous link that does not use update-alternatives
    if [ -L '/usr/bin/${executable}' -a -e '/usr/bin/${executable}' -a "`readlink '/usr/bin/${executable}'`" != '/etc/alternatives/${executable}' ]; then
        rm -f '/usr/bin/${executable}'
    fi
    update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/${executable}' 100 || ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
else
    ln -sf '/opt/${sanitizedProductName}/${executable}' '/usr/bin/${executable}'
fi

# SUID chrome-sandbox only where the kernel has no working user namespaces.
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; }; then
    chmod 4755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
else
    chmod 0755 '/opt/${sanitizedProductName}/chrome-sandbox' || true
fi

if hash update-mime-database 2>/dev/null; then
    update-mime-database /usr/share/mime || true
fi
if hash update-desktop-database 2>/dev/null; then
    update-desktop-database /usr/share/applications || true
fi

# AppArmor profile (Ubuntu 24+ needs it for the sandbox); skipped where AppArmor cannot parse it (22.04).
if apparmor_status --enabled > /dev/null 2>&1; then
  APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'
  APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'
  if apparmor_parser --skip-kernel-load --debug "$APPARMOR_PROFILE_SOURCE" > /dev/null 2>&1; then
    cp -f "$APPARMOR_PROFILE_SOURCE" "$APPARMOR_PROFILE_TARGET"
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --replace --write-cache --skip-read-cache "$APPARMOR_PROFILE_TARGET"
    fi
  else
    echo "Skipping the installation of the AppArmor profile as this version of AppArmor does not seem to support the bundled profile"
  fi
fi

# Flashdeck's udev rules: boards' serial ports and UF2 drives usable without root.
if [ -d /etc/udev/rules.d ] && [ -f '/opt/${sanitizedProductName}/resources/linux/60-flashdeck.rules' ]; then
  cp '/opt/${sanitizedProductName}/resources/linux/60-flashdeck.rules' /etc/udev/rules.d/60-flashdeck.rules
  udevadm control --reload-rules >/dev/null 2>&1 || true
fi

# Serial ports belong to the dialout group: say so where the person installing will see it.
echo "Flashdeck: to flash boards and open their consoles without root, add yourself to the dialout group:"
echo "  sudo usermod -aG dialout \"\$USER\"   (then log out and back in)"
