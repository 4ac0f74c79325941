"""The local endpoint's TLS (docs/architecture.md §11): a certificate authority made for one run
and a server certificate it issues for the loopback address.

TLS on 127.0.0.1 is not for secrecy on the wire: kubectl, helm and the Kubernetes provider
(client-go) send a kubeconfig's credentials only to an ``https`` server (client-go
tools/clientcmd/client_config.go ClientConfig: "only try to read the auth information if we are
secure", rest.IsConfigTransportTLS), so an ``http`` endpoint would get no token and could not tell
its client from any other local process. The CA's key is never written; the server key lives in
a private temporary folder only while the SSL context loads it.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServerCertificate:
    ca_pem: str  # what clients trust (the kubeconfig's certificate-authority-data)
    cert_pem: str
    key_pem: str

    def context(self) -> ssl.SSLContext:
        """A server-side SSL context presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        with tempfile.TemporaryDirectory(prefix="private-eks-tls-") as folder:  # mode 0700
            cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert.write_text(self.cert_pem)
            key.touch(mode=0o600)
            key.write_text(self.key_pem)
            context.load_cert_chain(cert, key)
        return context


def issue(hosts: tuple[str, ...] = ("127.0.0.1",), *, days: int = 7, ca_name: str = "private-eks local relay") -> ServerCertificate:
    """A new CA (P-256) and a server certificate it signs for ``hosts`` (IP addresses or names)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    valid = {"not_valid_before": now - datetime.timedelta(minutes=5), "not_valid_after": now + datetime.timedelta(days=days)}
    usage = {k: False for k in ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
                                "encipher_only", "decipher_only")}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca = (x509.CertificateBuilder().subject_name(issuer).issuer_name(issuer).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(valid["not_valid_before"])
          .not_valid_after(valid["not_valid_after"])
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **usage), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    names: list[x509.GeneralName] = []
    for h in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            names.append(x509.DNSName(h))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid["not_valid_before"]).not_valid_after(valid["not_valid_after"])
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return ServerCertificate(
        ca.public_bytes(pem).decode(), cert.public_bytes(pem).decode(),
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
