# One image for both processes: `npm run api` and `npm run worker` (see docker-compose.yml).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# postinstall applies patches/ (postgres.js, see README "A patched driver") during npm ci.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
USER node
CMD ["npm", "run", "api"]
