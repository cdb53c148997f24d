//! https for tests: a private certificate authority made for the test (rcgen), and a TLS
//! server on 127.0.0.1 (rustls) that passes each connection on to a plain HTTP server there,
//! such as [`super::http::GitServer`]. One thread per connection.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A running TLS front; it stops accepting when dropped.
pub struct TlsFront {
    pub port: u16,
    /// The CA's certificate, PEM: what a client must trust to reach this server.
    pub ca_pem: String,
    stop: Arc<AtomicBool>,
}

impl TlsFront {
    /// Serves https on a new port of 127.0.0.1, with a certificate for `127.0.0.1` and
    /// `localhost` signed by a CA made now, in front of the HTTP server on `backend`.
    pub fn start(backend: u16) -> Self {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "distrib test CA");
        ca.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca_certificate = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let mut leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.subject_alt_names
            .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        leaf.use_authority_key_identifier_extension = true;
        leaf.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_certificate = leaf.signed_by(&leaf_key, &issuer).unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf_certificate.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let config = config.clone();
                std::thread::spawn(move || {
                    let _ = relay(stream, config, backend);
                });
            }
        });
        Self {
            port,
            ca_pem: ca_certificate.pem(),
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Decrypts what the client sends and passes it to the backend, and encrypts what the backend
/// answers, until either side closes. Both sockets are polled with a short timeout.
fn relay(
    client: TcpStream,
    config: Arc<rustls::ServerConfig>,
    backend: u16,
) -> std::io::Result<()> {
    let tick = Some(Duration::from_millis(5));
    client.set_read_timeout(tick)?;
    let mut backend = TcpStream::connect(("127.0.0.1", backend))?;
    backend.set_read_timeout(tick)?;
    let connection = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(connection, client);
    let waiting = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )
    };
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match tls.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => backend.write_all(&buffer[..n])?,
            Err(e) if waiting(&e) => {}
            Err(e) => return Err(e),
        }
        match backend.read(&mut buffer) {
            Ok(0) => {
                tls.conn.send_close_notify();
                tls.flush()?;
                return Ok(());
            }
            Ok(n) => {
                tls.write_all(&buffer[..n])?;
                tls.flush()?;
            }
            Err(e) if waiting(&e) => {}
            Err(e) => return Err(e),
        }
    }
}
