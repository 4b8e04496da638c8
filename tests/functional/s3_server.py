"""A fixture running moto's standalone S3 server on a free loopback port.

The server is a separate process (``python -m moto.server``), so the code
under test talks real HTTP to it, exactly as it would to an S3 service.
"""

import os
import socket
import subprocess
import sys
import time

import boto3
import botocore.config
import fixtures
import requests

# moto accepts any key pair until IAM authentication is switched on.
ANY_ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE'
ANY_SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
REGION = 'us-east-1'

_START_TIMEOUT = 30
_STARTS = 3


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class MotoS3Server(fixtures.Fixture):
    """Starts ``moto.server``, waits until it answers, stops it on cleanup.

    ``endpoint`` is the server's ``http://127.0.0.1:<port>`` URL.
    """

    def _setUp(self):
        # Another process may grab the port between our probe and moto's
        # bind; starting again on a new port is the cure.
        for _ in range(_STARTS):
            self.port = free_port()
            self.endpoint = 'http://127.0.0.1:%d' % self.port
            process = self._start()
            if self._wait_until_ready(process):
                self.addCleanup(self._stop, process)
                return
            self._stop(process)
        raise RuntimeError('moto S3 server did not start')

    def _start(self):
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        env.pop('INITIAL_NO_AUTH_ACTION_COUNT', None)
        return subprocess.Popen(
            [
                sys.executable,
                '-m',
                'moto.server',
                '-H',
                '127.0.0.1',
                '-p',
                str(self.port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _wait_until_ready(self, process):
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                requests.get(self.endpoint + '/moto-api/', timeout=1)
                return True
            except requests.ConnectionError:
                time.sleep(0.1)
        return False

    @staticmethod
    def _stop(process):
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def client(self, service='s3', access_key=None, secret_key=None):
        """A boto3 client for this server (test-side inspection)."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=access_key or ANY_ACCESS_KEY,
            aws_secret_access_key=secret_key or ANY_SECRET_KEY,
            config=botocore.config.Config(retries={'max_attempts': 1}),
        )

    def enforce_authentication(self):
        """Make moto check signatures; returns a valid (access, secret).

        moto accepts any credentials by default. Its switch is the
        ``INITIAL_NO_AUTH_ACTION_COUNT`` setting (here set through the
        ``/moto-api/reset-auth`` endpoint): once that many requests have
        been served, every request must be signed by an access key of an
        IAM user whose policies allow the action.
        """
        iam = self.client('iam')
        iam.create_user(UserName='glance')
        iam.put_user_policy(
            UserName='glance',
            PolicyName='s3-all',
            PolicyDocument=(
                '{"Version": "2012-10-17", "Statement": [{"Effect": '
                '"Allow", "Action": "s3:*", "Resource": "*"}]}'
            ),
        )
        key = iam.create_access_key(UserName='glance')['AccessKey']
        requests.post(
            self.endpoint + '/moto-api/reset-auth', data=b'0', timeout=10
        ).raise_for_status()
        return key['AccessKeyId'], key['SecretAccessKey']
