/**
 * What the simulated chips answer: detection registers, eFuses (MAC, revision), SPI controller
 * addresses for the JEDEC read, ROM banners. Kept separate from drivers/esp32/chips.ts on
 * purpose, so a wrong constant in the driver is not mirrored by the simulator (esptool-js is the
 * third, independent reader in the cross-check test).
 */
export type SimChipName = 'esp32' | 'esp32s2' | 'esp32s3' | 'esp32c3' | 'esp32c6';

export interface SimChipProfile {
  name: SimChipName;
  displayName: string;
  imageChipId: number;
  magic: number;
  /** GET_SECURITY_INFO payload length from the ROM: 0 = unsupported (ESP32), 12 (S2), 20 (S3+). */
  securityInfoLength: 0 | 12 | 20;
  bootloaderOffset: number;
  spiBase: number;
  spiUsr2: number;
  spiW0: number;
  uartClkDiv: number | null;
  /** Register values for MAC and revision, built from the MAC and revision. */
  efuses(mac: Uint8Array, revision: { major: number; minor: number }): Map<number, number>;
  romHeader: string;
  downloadBoot: string;
  spiBoot: string;
}

const newSpi = (spiBase: number) => ({ spiBase, spiUsr2: spiBase + 0x20, spiW0: spiBase + 0x58 });

const macWords = (mac: Uint8Array) => ({
  low: ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0,
  high: (mac[0] << 8) | mac[1],
});

/** S3/C3/C6 layout: MAC in block1 words 0-1, revision in words 3 and 5. */
function block1Efuses(efuseBase: number) {
  return (mac: Uint8Array, rev: { major: number; minor: number }) => {
    const b1 = efuseBase + 0x44;
    const { low, high } = macWords(mac);
    return new Map<number, number>([
      [b1, low],
      [b1 + 4, high],
      [b1 + 12, (rev.minor & 0x7) << 18],
      [b1 + 20, ((((rev.minor >> 3) & 1) << 23) | ((rev.major & 3) << 24)) >>> 0],
    ]);
  };
}

const ESP32_ROM = 'ets Jun  8 2016 00:22:57\r\n\r\n';
const NEW_ROM = (name: string, build: string) => `ESP-ROM:${name}\r\nBuild:${build}\r\n`;

export const SIM_CHIPS: Record<SimChipName, SimChipProfile> = {
  esp32: {
    name: 'esp32',
    displayName: 'ESP32',
    imageChipId: 0,
    magic: 0x00f01d83,
    securityInfoLength: 0,
    bootloaderOffset: 0x1000,
    spiBase: 0x3ff42000,
    spiUsr2: 0x3ff42024,
    spiW0: 0x3ff42080,
    uartClkDiv: 0x3ff40014,
    efuses(mac, rev) {
      const base = 0x3ff5a000;
      const { low, high } = macWords(mac);
      // Revision bits: v1 = efuse3 bit15; v2 += efuse5 bit20; v3 += APB_CTL_DATE bit31.
      const bits = rev.major >= 3 ? 7 : rev.major === 2 ? 3 : rev.major === 1 ? 1 : 0;
      return new Map<number, number>([
        [base + 4, low],
        [base + 8, high],
        [base + 12, (bits & 1) << 15],
        [base + 20, ((((bits >> 1) & 1) << 20) | ((rev.minor & 3) << 24)) >>> 0],
        [0x3ff6607c, ((bits >> 2) & 1) << 31],
      ]);
    },
    romHeader: ESP32_ROM,
    downloadBoot: 'rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n',
    spiBoot:
      'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\nconfigsip: 0, SPIWP:0xee\r\nclk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\nmode:DIO, clock div:1\r\n',
  },
  esp32s2: {
    name: 'esp32s2',
    displayName: 'ESP32-S2',
    imageChipId: 2,
    magic: 0x000007c6,
    securityInfoLength: 12,
    bootloaderOffset: 0x1000,
    ...newSpi(0x3f402000),
    uartClkDiv: null,
    efuses(mac, rev) {
      const b1 = 0x3f41a044;
      const { low, high } = macWords(mac);
      return new Map<number, number>([
        [b1, low],
        [b1 + 4, high],
        [b1 + 12, (((rev.major & 3) << 18) | (((rev.minor >> 3) & 1) << 20)) >>> 0],
        [b1 + 16, (rev.minor & 7) << 4],
      ]);
    },
    romHeader: NEW_ROM('esp32s2-rc4-20191025', 'Oct 25 2019'),
    downloadBoot: 'rst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n',
    spiBoot: 'rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n',
  },
  esp32s3: {
    name: 'esp32s3',
    displayName: 'ESP32-S3',
    imageChipId: 9,
    magic: 0x9,
    securityInfoLength: 20,
    bootloaderOffset: 0x0,
    ...newSpi(0x60002000),
    uartClkDiv: null,
    efuses: block1Efuses(0x60007000),
    romHeader: NEW_ROM('esp32s3-20210327', 'Mar 27 2021'),
    downloadBoot: 'rst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n',
    spiBoot: 'rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n',
  },
  esp32c3: {
    name: 'esp32c3',
    displayName: 'ESP32-C3',
    imageChipId: 5,
    magic: 0x1b31506f,
    securityInfoLength: 20,
    bootloaderOffset: 0x0,
    ...newSpi(0x60002000),
    uartClkDiv: null,
    efuses: block1Efuses(0x60008800),
    romHeader: NEW_ROM('esp32c3-api1-20210207', 'Feb  7 2021'),
    downloadBoot: 'rst:0x1 (POWERON),boot:0x7 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n',
    spiBoot: 'rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n',
  },
  esp32c6: {
    name: 'esp32c6',
    displayName: 'ESP32-C6',
    imageChipId: 13,
    magic: 0x2ce0806f,
    securityInfoLength: 20,
    bootloaderOffset: 0x0,
    ...newSpi(0x60003000),
    uartClkDiv: null,
    efuses: block1Efuses(0x600b0800),
    romHeader: NEW_ROM('esp32c6-20220919', 'Sep 19 2022'),
    downloadBoot: 'rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))\r\nwaiting for download\r\n',
    spiBoot: 'rst:0x1 (POWERON),boot:0x6c (SPI_FAST_FLASH_BOOT)\r\n',
  },
};
