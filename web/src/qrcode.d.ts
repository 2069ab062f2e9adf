// Just the part of `qrcode` the console uses. With @types/qrcode installed this file can go.
declare module 'qrcode' {
  interface ToDataURLOptions {
    errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
    margin?: number;
    width?: number;
  }
  const QRCode: {
    toDataURL(text: string, options?: ToDataURLOptions): Promise<string>;
  };
  export default QRCode;
}
