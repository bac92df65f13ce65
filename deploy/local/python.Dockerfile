# Python 3.11 from Debian's packages, in a virtual environment first on PATH (Debian's own Python refuses
# `pip install` outside one): a BASE_IMAGE for deploy/Dockerfile.
FROM homecare-local/debian
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates passwd \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
