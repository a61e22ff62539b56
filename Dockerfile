# One image for web and CPU workers; the GPU worker uses Dockerfile.gpu's base instead.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --silent
COPY . .
RUN python manage.py compilemessages --ignore=node_modules -v 0 \
    && QUIZ_ENV=production DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=x python manage.py collectstatic --noinput -v 0
