# One image for web and workers. The GPU worker builds it with
#   --build-arg TF_PACKAGE="tensorflow[and-cuda]==2.21.0"   (docker-compose.yml does)
# so TensorFlow is the CUDA build there and the CPU build everywhere else.
FROM python:3.11-slim-bookworm
ARG TF_PACKAGE=""
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN if [ -n "$TF_PACKAGE" ]; then \
      grep -viE '^tensorflow[-_]cpu' requirements.txt > /tmp/req.txt \
      && grep -viE '^tensorflow[-_]cpu' constraints.txt > /tmp/con.txt \
      && pip install --no-cache-dir -r /tmp/req.txt "$TF_PACKAGE" -c /tmp/con.txt; \
    else pip install --no-cache-dir -r requirements.txt -c constraints.txt; fi
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --silent
COPY . .
RUN python manage.py compilemessages --ignore=node_modules -v 0 \
    && QUIZ_ENV=production DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=x python manage.py collectstatic --noinput -v 0
