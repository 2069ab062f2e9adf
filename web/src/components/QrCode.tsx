import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import QRCode from 'qrcode';

/** The otpauth:// URI as a QR image (a data: URL, which the console's CSP allows for images). */
export function QrCode({ value, label }: { value: string; label: string }): ReactNode {
  const [src, setSrc] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(value, { errorCorrectionLevel: 'M', margin: 2, width: 220 }).then(
      (url) => live && setSrc(url),
      () => live && setSrc(undefined),
    );
    return () => {
      live = false;
    };
  }, [value]);
  if (!src) return <p className="qr-placeholder">Preparing QR code…</p>;
  return <img className="qr" src={src} alt={label} width={220} height={220} />;
}
