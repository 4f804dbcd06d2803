//! QR codes rendered on the server as PNG (no external service, no script): the matrix comes from
//! `qrcodegen` (Project Nayuki's reference implementation), the image from `png`. Served inline as a
//! `data:` URI, which the CSP allows for images only.

use data_encoding::BASE64;
use qrcodegen::{QrCode, QrCodeEcc};

/// Pixels per module, and the quiet zone in modules (the QR standard asks for 4).
const SCALE: usize = 6;
const BORDER: usize = 4;

#[derive(Debug, thiserror::Error)]
#[error("cannot render the QR code: {0}")]
pub struct QrError(String);

/// A PNG of `text` as a QR code (medium error correction), as a `data:image/png;base64,…` URI.
pub fn png_data_uri(text: &str) -> Result<String, QrError> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).map_err(|e| QrError(format!("{e:?}")))?;
    let modules = usize::try_from(code.size()).map_err(|e| QrError(e.to_string()))?;
    let side = (modules + 2 * BORDER) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            if !code.get_module(x as i32, y as i32) {
                continue;
            }
            for dy in 0..SCALE {
                let row = ((y + BORDER) * SCALE + dy) * side;
                let start = row + (x + BORDER) * SCALE;
                pixels[start..start + SCALE].fill(0);
            }
        }
    }
    let mut png = Vec::new();
    let side32 = u32::try_from(side).map_err(|e| QrError(e.to_string()))?;
    let mut encoder = png::Encoder::new(&mut png, side32, side32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| QrError(e.to_string()))?;
    writer.write_image_data(&pixels).map_err(|e| QrError(e.to_string()))?;
    writer.finish().map_err(|e| QrError(e.to_string()))?;
    Ok(format!("data:image/png;base64,{}", BASE64.encode(&png)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_png_data_uri() {
        let uri = png_data_uri("otpauth://totp/Portcullis:anna@example.com?secret=ABC&issuer=Portcullis").unwrap();
        let png = BASE64
            .decode(uri.strip_prefix("data:image/png;base64,").unwrap().as_bytes())
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
