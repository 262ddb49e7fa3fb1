#!/bin/sh
# Installs Flashdeck's udev rules with the .deb package.
set -e
if [ -d /etc/udev/rules.d ] && [ -f /opt/Flashdeck/resources/linux/60-flashdeck.rules ]; then
  cp /opt/Flashdeck/resources/linux/60-flashdeck.rules /etc/udev/rules.d/60-flashdeck.rules
  udevadm control --reload-rules >/dev/null 2>&1 || true
fi
# Serial ports belong to the dialout group: say so once, where the user installing will see it.
echo "Flashdeck: to flash boards and open their consoles without root, add yourself to the dialout group:"
echo "  sudo usermod -aG dialout \"\$USER\"   (then log out and back in)"
