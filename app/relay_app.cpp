#include "app/relay_app.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>
#include <tuple>

#include "access/directory_authorizer.hpp"
#include "access/directory_store.hpp"
#include "access/token_authority.hpp"
#include "access/turn_credentials.hpp"
#include "app/api_service.hpp"
#include "app/audit_head_reporter.hpp"
#include "app/consult_thread_service.hpp"
#include "app/dicom_gateway.hpp"
#include "app/dicom_metrics.hpp"
#include "app/dicom_release.hpp"
#include "app/dicom_retention.hpp"
#include "app/directory_cameras.hpp"
#include "app/directory_seed.hpp"
#include "app/host_port.hpp"
#include "app/ice_server_directory.hpp"
#include "app/relay_service.hpp"
#include "app/stream_launcher.hpp"
#include "app/stream_registry.hpp"
#include "app/stream_state_reporter.hpp"
#include "app/webhook_feed.hpp"
#include "app/webhook_sender.hpp"
#include "common/logger.hpp"
#include "pipelines/pipeline_description.hpp"
#include "pipelines/supervisor.hpp"
#include "relay/common/media_worker.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/transport/certificate.hpp"
#include "signaling/server.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("serve");
  return logger;
}

constexpr size_t kPacketsPerWorker = 4096;  // initial; the pool grows with the streams it carries

std::filesystem::path defaultWebRoot() {
  for (std::filesystem::path candidate : {std::filesystem::path("/usr/share/medrelay/web"),
                                          std::filesystem::path(MEDRELAY_SOURCE_WEB_ROOT)}) {
    if (std::filesystem::exists(candidate / "index.html")) return candidate;
  }
  return MEDRELAY_SOURCE_WEB_ROOT;
}

std::string selfExecutable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "medrelay" : path.string();
}

// A camera stream fed by `uri` (test://, rtsp://, srt://, sdp://, rtp://, whip://).
StreamPlan cameraPlan(const std::string& name, const std::string& uri,
                      const ServeOptions& options) {
  StreamPlan plan;
  plan.name = name;
  plan.kind = "camera";
  plan.ingest.source = uri;
  plan.ingest.streamName = name;
  plan.ingest.logLevel = options.logLevel;
  // For cameras this is the transcoding ceiling (the demo sets its own size below).
  std::tie(plan.ingest.width, plan.ingest.height) = parseVideoSize(options.transcodeMaxSize);
  plan.ingest.bitrateKbps = options.transcodeMaxBitrateKbps;
  plan.ingest.stallSeconds = options.sourceStallSeconds;
  plan.ingest.layers = options.layers;
  plan.onDemand = std::find(options.onDemandStreams.begin(), options.onDemandStreams.end(), name) !=
                  options.onDemandStreams.end();
  if (uri.rfind("rtp://", 0) == 0) {
    plan.encodings =
        forwardedRtpEncodings(uri.find("codec=vp8") != std::string::npos ? relay::rtp::Codec::Vp8
                                                                         : relay::rtp::Codec::H264);
  } else {
    // A WHIP publisher sends one encoding (simulcast is not taken yet).
    plan.encodings = encodedSourceEncodings(isPublishedSource(uri) ? 1 : options.layers);
    // A camera's H.264 is passed through when browsers can play it: its own picture, which
    // viewers that can decode H.264 get; VP8 is encoded from it for the others.
    if (isCameraSource(uri)) {
      for (auto& encoding : plan.encodings)
        encoding.preferred = encoding.codec == relay::rtp::Codec::H264;
    }
  }
  if (pipelines::sourceCarriesAudio(uri) || isPublishedSource(uri))
    plan.encodings.push_back(opusEncoding());
  return plan;
}

std::vector<StreamPlan> planSources(const ServeOptions& options) {
  std::vector<StreamPlan> plans;
  auto add = [&](const std::string& name, const std::string& uri) {
    plans.push_back(cameraPlan(name, uri, options));
  };
  if (options.demo) {
    add("demo", "test://");
    std::tie(plans.back().ingest.width, plans.back().ingest.height) =
        parseVideoSize(options.demoSize);
    plans.back().ingest.fps = options.demoFps;
  }
  for (const auto& source : options.streams())
    add(source.name, source.uri);
  return plans;
}

}  // namespace

void prepareProcessSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int waitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

int runServe(const ServeOptions& options) {
  setLogLevel(options.logLevel);
  // First, so that a missing or public TURN secret stops the start with its reason.
  IceServerDirectory iceServers(
      options.iceServers,
      options.turnSecretFile.empty() ? "" : access::readTurnSecretFile(options.turnSecretFile),
      int64_t{options.turnCredentialHours} * 3600);
  // Likewise for the webhooks file and the keys it names.
  std::unique_ptr<WebhookSender> webhooks;
  if (!options.webhooksFile.empty()) {
    auto endpoints = readWebhookConfig(options.webhooksFile);
    for (const auto& endpoint : endpoints)
      log()->info("webhook {}: events to {}", endpoint.name, endpoint.url.origin());
    webhooks = std::make_unique<WebhookSender>(std::move(endpoints));
  }
  auto tokens = access::TokenAuthority::openOrCreate(options.dataDir);
  auto certificate = relay::transport::Certificate::generate("medrelay");

  unsigned workerCount = options.workers > 0 ? static_cast<unsigned>(options.workers)
                                             : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<relay::MediaWorker>> workers;
  std::vector<std::unique_ptr<relay::router::PacketPool>> pools;
  for (unsigned i = 0; i < workerCount; ++i) {
    workers.push_back(std::make_unique<relay::MediaWorker>("media-" + std::to_string(i)));
    pools.push_back(std::make_unique<relay::router::PacketPool>(kPacketsPerWorker));
  }

  StreamRegistry streams;
  auto plans = planSources(options);
  auto store = access::openSqliteDirectoryStore(options.dataDir.string());
  std::vector<SeedStream> seeds;
  for (const auto& plan : plans)
    seeds.push_back({plan.name, plan.kind, plan.ingest.source});
  seedEmbeddedDefault(*store, seeds, options.dataDir);
  // Declared before the authorizer (whose audit writer drains when it is destroyed) and the
  // services: its last report ("stop") follows the last audit record.
  AuditHeadReporter auditHeads(*store);
  access::DirectoryAuthorizer authorizer(*store);

  // The directory hears each stream's state as viewers are told it (Stream::state()).
  StreamStateReporter stateReporter(streams, *store);

  // State changes arrive on the supervisor's thread; Stream::setState is atomic.
  struct SupervisorEvents final : pipelines::Supervisor::Listener {
    SupervisorEvents(StreamRegistry& s, StreamStateReporter& r) : streams(s), reporter(r) {}
    void onSourceStateChanged(const std::string& stream, pipelines::SourceState state,
                              const std::string& detail) override {
      auto mapped = state == pipelines::SourceState::Running    ? StreamState::Live
                    : state == pipelines::SourceState::Starting ? StreamState::Connecting
                    : state == pipelines::SourceState::Stalled  ? StreamState::Stalled
                    : state == pipelines::SourceState::Failed   ? StreamState::Failed
                    : state == pipelines::SourceState::Standby  ? StreamState::Standby
                                                                : StreamState::Down;
      if (auto s = streams.find(stream)) {
        s->setState(mapped);
        // Starting and running keep the reason of the restart they follow (until media
        // arrives, see Stream::health).
        if (state == pipelines::SourceState::Running)
          s->noteSourceRunning();
        else if (state != pipelines::SourceState::Starting)
          s->noteSourceEvent(detail, pipelines::awaitingRestart(state));
      }
      log()->info("source {}: {} {}", stream, pipelines::sourceStateName(state), detail);
      reporter.poke();
    }
    StreamRegistry& streams;
    StreamStateReporter& reporter;
  } supervisorEvents(streams, stateReporter);

  pipelines::Supervisor supervisor(
      options.ingestExecutable.empty() ? selfExecutable() : options.ingestExecutable,
      supervisorEvents, std::chrono::seconds(options.ingestLingerSeconds));
  std::vector<StreamLauncher::WorkerSlot> slots;
  for (size_t i = 0; i < workers.size(); ++i)
    slots.push_back({workers[i].get(), pools[i].get()});
  StreamLauncher launcher(slots, streams, supervisor);
  for (const auto& plan : plans)
    launcher.launch(plan);
  // Cameras added to the directory (`admin stream add --source rtsp://...`) run too, those
  // there now and those added while the relay runs; removed ones stop (see
  // setDirectoryChangedHook below).
  DirectoryCameras directoryCameras(*store, launcher, streams,
                                    [&options](const std::string& name, const std::string& source) {
                                      return cameraPlan(name, source, options);
                                    });
  stateReporter.poke();
  // A name that matches no stream yet is kept (a camera added later under it runs on demand),
  // but a typo must not pass unseen.
  for (const auto& name : options.onDemandStreams)
    if (!streams.find(name))
      log()->warn("--on-demand {}: no camera of that name (yet); it applies to one added later",
                  name);

  // DICOM series under DATA_DIR/dicom play as streams, whether this process's gateway or a
  // separate `medrelay gateway` received them.
  pipelines::IngestOptions dicomIngest;
  dicomIngest.logLevel = options.logLevel;
  dicomIngest.stallSeconds = options.sourceStallSeconds;
  dicomIngest.ctWindow = options.dicomOptions.ctWindow;
  dicomIngest.layers = options.layers;
  DicomSeriesPlayer player(options.dataDir / "dicom", launcher, dicomIngest);
  player.setOnDemand(options.dicomOnDemand);
  const auto retentionReason = "retention " + describeRetention(options.dicomRetention);
  player.setRetention(options.dicomRetention, [&store, &retentionReason](const std::string& s) {
    try {
      store->removeStream("dicom:retention", s, retentionReason);
    } catch (const access::StoreError& e) {
      if (e.code() != "not-found") throw;  // not registered (a failed first object): nothing to do
    }
  });
  player.start();
  std::unique_ptr<DicomGateway> dicom;
  if (options.dicom) {
    dicom = std::make_unique<DicomGateway>(
        dicomGatewayConfig(options.dicomOptions, options.dataDir), *store,
        [&player](const std::string& stream) { player.play(stream); });
    if (!dicom->start()) dicom.reset();  // logged; the relay runs on without DICOM
  }

  relay::transport::IceConfig ice;
  ice.bindAddresses = options.iceAddresses;
  ice.tcp = options.iceTcp;
  std::tie(ice.portMin, ice.portMax) = options.mediaPortRange();
  RelayService service(tokens, authorizer, streams, certificate, ice);
  service.setDirectoryChangedHook([&directoryCameras, &stateReporter] {
    directoryCameras.poke();
    stateReporter.poke();
  });
  service.setIceServers(iceServers);
  // WHIP: streams declared with a whip:// source (here or in the directory) take publishers.
  PublishService publishing(
      authorizer,
      [&launcher, &options](const std::string& name, const std::string& source) {
        return launcher.launch(cameraPlan(name, source, options));
      },
      certificate, ice,
      [&stateReporter](const std::string&, StreamState, const std::string&) {
        stateReporter.poke();
      });
  SubscribeLimitsConfig subscribeLimits;
  subscribeLimits.maxSessionsPerUser = static_cast<size_t>(options.maxSessionsPerUser);
  subscribeLimits.subscribesPerUserPerSecond = options.subscribesPerUserPerSecond;
  subscribeLimits.subscribesPerUserBurst = 2 * options.subscribesPerUserPerSecond;
  subscribeLimits.subscribesPerAddressPerSecond = options.subscribesPerAddressPerSecond;
  subscribeLimits.subscribesPerAddressBurst = 2 * options.subscribesPerAddressPerSecond;
  service.setSubscribeLimits(subscribeLimits);
  service.setPublishService(&publishing);
  service.setBurnedInLookup([folder = options.dataDir / "dicom"](const std::string& stream) {
    return dicomBurnedInState(folder, stream);
  });
  service.addMetricsSource([&player] { return dicomRetentionMetricsText(player.seriesExpired()); });
  if (dicom) {
    service.addMetricsSource([&dicom] { return dicomMetricsText(dicom->stats()); });
  }
  std::unique_ptr<WebhookFeed> webhookFeed;
  if (webhooks) {
    service.addMetricsSource([&webhooks] { return webhooks->metricsText(); });
    webhookFeed = std::make_unique<WebhookFeed>(streams, *store, *webhooks,
                                                options.dataDir / "webhook-streams.json");
  }
  ConsultThreadService threads(*store, authorizer);
  service.setConsultThreads(&threads);
  service.addMetricsSource([&threads] { return threads.metricsText(); });
  ApiService api(*store, authorizer, tokens, service, options.dataDir / "dicom");
  service.setApiHandler(
      [&api](auto request, auto done) { api.handle(std::move(request), std::move(done)); });

  signaling::ServerConfig serverConfig;
  serverConfig.listenAddress = options.listenHost();
  serverConfig.port = options.listenPort();
  serverConfig.dataDir = options.dataDir;
  serverConfig.webRoot = options.webRoot.empty() ? defaultWebRoot() : options.webRoot;
  serverConfig.limits.maxConnections = static_cast<size_t>(options.maxConnections);
  serverConfig.limits.maxConnectionsPerAddress =
      static_cast<size_t>(options.maxConnectionsPerAddress);
  serverConfig.limits.newConnectionsPerAddressPerSecond = options.connectionsPerAddressPerSecond;
  serverConfig.limits.newConnectionsPerAddressBurst = 2 * options.connectionsPerAddressPerSecond;
  serverConfig.limits.maxWebSocketsPerUser = static_cast<size_t>(options.maxWebSocketsPerUser);
  serverConfig.limits.requestTimeout = std::chrono::seconds(options.requestTimeoutSeconds);
  serverConfig.metrics = options.metricsListen != "off";
  if (serverConfig.metrics) {
    serverConfig.metricsAddress = hostOf(options.metricsListen);
    serverConfig.metricsPort = portOf(options.metricsListen);
  }
  signaling::SignalingServer server(serverConfig, service);
  server.start();
  // A source going live, stalling or failing: the viewer pages refresh their lists (and say
  // when the stream they watch has no picture because its source is down).
  stateReporter.setChangedHook([&server] { server.notifyStreamsChanged(); });
  // Presence: the lists carry who watches each stream.
  service.setWatchersChangedHook([&stateReporter] { stateReporter.noteListChanged(); });

  auto host = options.listenHost();
  auto shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (shown == "0.0.0.0" || shown == "[::]") shown = "127.0.0.1";
  auto base = "https://" + shown + ":" + std::to_string(server.port());
  std::cout << "MedRelay listening on " << base << "/";
  if (server.metricsPort()) {
    auto metricsHost = hostOf(options.metricsListen);
    if (metricsHost.find(':') != std::string::npos) metricsHost = "[" + metricsHost + "]";
    std::cout << " (metrics on https://" << metricsHost << ":" << server.metricsPort()
              << "/metrics)";
  }
  std::cout << std::endl;
  std::cout << "  data directory: " << std::filesystem::absolute(options.dataDir).string() << "\n";
  if (options.demo) {
    // A one-time sign-in link for the demo user: the browser spends the refresh token on its
    // first visit and keeps its own renewed credential from then on.
    std::string device = "serve-" + access::randomHex(6);
    store->registerDevice("system", kDemoUser, device, "web");
    auto refresh = store->issueRefreshToken(kDemoUser, device, ApiService::kRefreshTokenSeconds,
                                            std::time(nullptr));
    std::cout << "  watch the demo: " << base << "/?stream=demo#refresh=" << refresh
              << "&device=" << device << "\n"
              << "                  (a one-time sign-in link for \"demo\"; the browser will warn\n"
              << "                   about the self-signed certificate)\n";
  }
  if (auto passwords = readInitialPasswords(options.dataDir)) {
    std::cout << "  sign in: user \"demo\", password \"" << passwords->demo << "\"\n"
              << "  console: " << base << "/console/  user \"admin\", password \""
              << passwords->admin << "\"\n"
              << "           (initial passwords, from "
              << (options.dataDir / kInitialPasswordsFile).string() << ")\n";
  }
  if (dicom) {
    std::cout << "  DICOM: C-STORE to AE title " << options.dicomOptions.aeTitle << " at "
              << options.dicomOptions.listen << " (each series becomes a stream)\n";
  }
  std::cout << "  more sign-in tokens: medrelay admin --data-dir " << options.dataDir.string()
            << " token issue --user NAME\n"
            << "  WHEP: POST " << base << "/whep/{stream} with Authorization: Bearer TOKEN\n"
            << "  WHIP: POST " << base
            << "/whip/{stream} for streams declared with --stream NAME=whip://" << std::endl;

  int signal = waitForStopSignal();
  log()->info("signal {} received, shutting down", signal);

  // First: the streams going away below is the relay stopping, not news for the chat.
  webhookFeed.reset();
  service.setWatchersChangedHook(nullptr);
  stateReporter.setChangedHook(nullptr);  // before the server goes
  server.stop();
  service.setDirectoryChangedHook(nullptr);
  if (dicom) dicom->stop();
  player.stop();
  service.closeAll();
  supervisor.stop();
  stateReporter.stop();  // its last writes first: "offline" below is the final word
  for (const auto& stream : streams.all()) {
    try {
      store->setStreamState(stream->name(), "offline", "the relay stopped");
    } catch (const std::exception&) {
      // The next start records the state again.
    }
  }
  for (const auto& stream : streams.all())
    stream->room().worker().runSync([&] { stream->room().detach(); });
  workers.clear();
  return 0;
}

}  // namespace medrelay::app
