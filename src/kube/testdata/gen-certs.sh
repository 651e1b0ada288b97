#!/bin/sh
# Regenerates the test CA, the loopback server's certificate and a client certificate.
# Valid for 100 years; the server certificate names only 127.0.0.1 and localhost.
set -eu
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=gpupack-test-ca" \
  -keyout ca.key -out ca.crt
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 36500 \
  -extfile server.ext -out server.crt
openssl req -newkey rsa:2048 -nodes -subj "/CN=test-controller/O=gpupack" \
  -keyout client.key -out client.csr
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 36500 \
  -extfile client.ext -out client.crt
# A second, unrelated CA: a client trusting only it must refuse the server.
openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=gpupack-other-ca" \
  -keyout other-ca.key -out other-ca.crt
rm -f server.csr client.csr server.ext client.ext ca.srl other-ca.key
