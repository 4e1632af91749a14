#include "redis_backplane.h"

#include <hiredis/hiredis.h>

#ifdef _WIN32
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <string_view>
#include <vector>

#include "log.h"

namespace cs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxQueued = 10000;           // messages waiting for Redis, all channels together
constexpr size_t kMaxQueuedBytes = 16u << 20;  // and their bytes
constexpr auto kHeartbeat = std::chrono::seconds(5);
constexpr int kServerLifetimeSeconds = 15;  // a server not heard of for this long is gone
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMostBackoff = std::chrono::milliseconds(5000);
constexpr timeval kConnectTimeout = {2, 0};
constexpr timeval kCommandTimeout = {5, 0};  // a Redis this slow is treated as gone, and reconnected
constexpr auto kLossReportInterval = std::chrono::seconds(10);

constexpr char kMagic = 'C';
constexpr char kWireVersion = 1;
enum class Kind : char { kFrame = 1, kJoin = 2, kLeave = 3, kLoadHistory = 4, kRegistered = 5, kGone = 6 };
// Where servers say they registered their members again, or that another server is gone (a room's channel
// starts with '/', so none can be this).
constexpr char kServersChannel[] = "\x01servers";
// A server whose key is missing at this many heartbeats in a row (5 s apart) is gone: a restarted Redis has
// lost every key until each server registers again, which its backoff does within 5 s.
constexpr int kMissesBeforeGone = 3;
constexpr int kHistoryLifetimeSeconds = 24 * 3600;

// One per process, whatever the number of backplanes: a server never takes its own members or messages for
// another server's, even through two URLs that name the same Redis.
const std::string& server_id() {
  static const std::string id = [] {
    std::random_device random;
    char text[17];
    std::snprintf(text, sizeof text, "%08x%08x", random(), random());
    return std::string(text);
  }();
  return id;
}

// Redis's pub/sub ignores databases, so the database is part of the channels' names.
std::string room_channels(const std::string& prefix, int database) {
  return database == 0 ? prefix + ":room:" : prefix + ":" + std::to_string(database) + ":room:";
}

void put_field(std::string& out, std::string_view bytes) {
  uint32_t length = static_cast<uint32_t>(bytes.size());
  char prefix[4];
  std::memcpy(prefix, &length, 4);
  out.append(prefix, 4);
  out.append(bytes.data(), bytes.size());
}

bool take_field(std::string_view& in, std::string_view& field) {
  uint32_t length = 0;
  if (in.size() < 4) return false;
  std::memcpy(&length, in.data(), 4);
  if (in.size() - 4 < length) return false;
  field = in.substr(4, length);
  in.remove_prefix(4 + length);
  return true;
}

std::string_view bytes_of(const SharedBytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

SharedBytes shared_of(std::string_view bytes) {
  return bytes.empty() ? SharedBytes()
                       : SharedBytes::copy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

std::string member_key(const std::string& server, uint32_t member) { return server + "/" + std::to_string(member); }

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string_view text_of(const redisReply* reply) {
  return reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS)
             ? std::string_view(reply->str, reply->len)
             : std::string_view();
}

}  // namespace

bool RedisAddress::parse(const std::string& url, RedisAddress& out, std::string& error) {
  const std::string scheme = "redis://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    error = "it must start with redis:// (rediss://, TLS, is not supported by this build's hiredis)";
    return false;
  }
  std::string rest = url.substr(scheme.size());
  RedisAddress address;
  size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string user_info = rest.substr(0, at);
    size_t colon = user_info.find(':');
    address.password = colon == std::string::npos ? user_info : user_info.substr(colon + 1);
    rest = rest.substr(at + 1);
  }
  size_t slash = rest.find('/');
  std::string host_port = rest.substr(0, slash);
  if (slash != std::string::npos && slash + 1 < rest.size()) {
    std::string db = rest.substr(slash + 1);
    if (db.find_first_not_of("0123456789") != std::string::npos || db.size() > 5) {
      error = "the database after / must be a number";
      return false;
    }
    address.database = std::stoi(db);
  }
  size_t colon = host_port.rfind(':');
  if (colon != std::string::npos && host_port.find(']') == std::string::npos) {
    std::string port = host_port.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) == 0 || std::stoi(port) > 65535) {
      error = "the port must be a number from 1 to 65535";
      return false;
    }
    address.port = std::stoi(port);
    host_port = host_port.substr(0, colon);
  }
  if (!host_port.empty()) address.host = host_port;
  out = address;
  return true;
}

// One synchronous hiredis connection, owned by one thread.
class RedisBackplane::Connection {
 public:
  ~Connection() {
    if (context_) redisFree(context_);
  }

  bool open(const RedisAddress& address, std::string& error) {
    context_ = redisConnectWithTimeout(address.host.c_str(), address.port, kConnectTimeout);
    if (!context_ || context_->err) {
      error = context_ ? context_->errstr : "out of memory";
      return false;
    }
    redisEnableKeepAlive(context_);
    if (!address.password.empty() && !ok(run({"AUTH", address.password}), error)) return false;
    if (address.database != 0 && !ok(run({"SELECT", std::to_string(address.database)}), error)) return false;
    return true;
  }

  // Commands answer within kCommandTimeout or the connection counts as failed.
  void limit_commands() { redisSetTimeout(context_, kCommandTimeout); }

  void append(std::initializer_list<std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (std::string_view arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data());
  }

  // The next reply; null when the connection failed.
  Reply reply() {
    void* reply = nullptr;
    if (redisGetReply(context_, &reply) != REDIS_OK) return nullptr;
    return Reply(static_cast<redisReply*>(reply));
  }

  Reply run(std::initializer_list<std::string_view> args) {
    append(args);
    return reply();
  }

  const char* failure() const { return context_ && context_->err ? context_->errstr : "no answer"; }
  int fd() const { return context_ ? static_cast<int>(context_->fd) : -1; }

 private:
  bool ok(const Reply& reply, std::string& error) {
    if (reply && reply->type != REDIS_REPLY_ERROR) return true;
    error = reply ? std::string(reply->str, reply->len) : failure();
    return false;
  }

  redisContext* context_ = nullptr;
};

struct RedisBackplane::Outgoing {
  Kind kind;
  std::string channel;
  std::string member;  // "<server>/<member>" for joins and leaves
  std::string presence;
  std::string payload;         // what PUBLISH carries (and the history keeps)
  uint32_t history_count = 0;  // frames: how many the room's history keeps; kLoadHistory: how many to load
};

std::unique_ptr<Backplane> open_backplane(const std::string& url, const std::string& prefix,
                                          BackplaneListener& listener, std::string& error) {
  RedisAddress address;
  if (!RedisAddress::parse(url, address, error)) return nullptr;
  return std::make_unique<RedisBackplane>(std::move(address), prefix, listener);
}

RedisBackplane::RedisBackplane(RedisAddress address, std::string prefix, BackplaneListener& listener)
    : address_(std::move(address)),
      prefix_(std::move(prefix)),
      server_id_(server_id()),
      room_channels_(room_channels(prefix_, address_.database)),
      listener_(listener) {
  publisher_ = std::thread([this] { publisher_loop(); });
  subscriber_ = std::thread([this] { subscriber_loop(); });
}

RedisBackplane::~RedisBackplane() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  {
    std::lock_guard<std::mutex> lock(subscriber_mutex_);
#ifdef _WIN32
    if (subscriber_fd_ >= 0) ::shutdown(static_cast<SOCKET>(subscriber_fd_), SD_BOTH);
#else
    if (subscriber_fd_ >= 0) ::shutdown(subscriber_fd_, SHUT_RDWR);
#endif
  }
  publisher_.join();
  subscriber_.join();
}

namespace {

// [magic][version][kind][keep][window bits], then fields: origin server, member key, presence, plain frame,
// compressed frame.
std::string encode(Kind kind, const std::string& server, std::string_view member, std::string_view presence,
                   const RoomFrame& frame, bool keep) {
  std::string out;
  out.reserve(32 + member.size() + presence.size() + frame.size());
  out += kMagic;
  out += kWireVersion;
  out += static_cast<char>(kind);
  out += static_cast<char>(keep ? 1 : 0);
  out += static_cast<char>(frame.window_bits);
  put_field(out, server);
  put_field(out, member);
  put_field(out, presence);
  put_field(out, bytes_of(frame.plain));
  put_field(out, bytes_of(frame.deflated));
  return out;
}

// A message as encode() wrote it; the views point into the payload.
struct Message {
  Kind kind;
  bool keep;
  uint32_t window_bits;
  std::string_view server, member, presence, plain, deflated;

  RoomFrame frame() const { return RoomFrame{shared_of(plain), shared_of(deflated), window_bits}; }
};

bool decode(std::string_view payload, Message& message) {
  if (payload.size() < 5 || payload[0] != kMagic || payload[1] != kWireVersion) return false;
  message.kind = static_cast<Kind>(payload[2]);
  message.keep = payload[3] != 0;
  message.window_bits = static_cast<uint8_t>(payload[4]);
  std::string_view rest = payload.substr(5);
  return take_field(rest, message.server) && take_field(rest, message.member) && take_field(rest, message.presence) &&
         take_field(rest, message.plain) && take_field(rest, message.deflated);
}

// A frame kept in a room's history on Redis (throws std::bad_alloc).
bool decode_frame(std::string_view payload, RoomFrame& frame) {
  Message message;
  if (!decode(payload, message) || message.kind != Kind::kFrame || message.plain.empty()) return false;
  frame = message.frame();
  return true;
}

}  // namespace

void RedisBackplane::queue(Outgoing outgoing) {
  bool report = false;
  uint64_t lost = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= kMaxQueued || queued_bytes_ + outgoing.payload.size() > kMaxQueuedBytes) {
      lost = ++lost_;
      auto now = Clock::now();
      report = now - last_loss_report_ >= kLossReportInterval;
      if (report) last_loss_report_ = now;
    } else {
      queued_bytes_ += outgoing.payload.size();
      queue_.push_back(std::move(outgoing));
    }
  }
  if (report) {
    log(LogLevel::kWarning, "Redis backplane: messages for other servers are waiting on Redis; %llu lost so far",
        static_cast<unsigned long long>(lost));
  }
  wake_.notify_one();
}

void RedisBackplane::publish(const std::string& channel, const RoomFrame& frame, uint32_t history_count) {
  queue({Kind::kFrame,
         channel,
         {},
         {},
         encode(Kind::kFrame, server_id_, {}, {}, frame, history_count > 0),
         history_count});
}

void RedisBackplane::opened(const std::string& channel, uint32_t history_count) {
  if (history_count > 0) queue({Kind::kLoadHistory, channel, {}, {}, {}, history_count});
}

void RedisBackplane::joined(const std::string& channel, uint32_t member, const std::string& presence,
                            const RoomFrame& announce) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    local_members_[channel][member] = presence;
  }
  std::string key = member_key(server_id_, member);
  queue({Kind::kJoin, channel, key, presence, encode(Kind::kJoin, server_id_, key, presence, announce, false)});
}

void RedisBackplane::left(const std::string& channel, uint32_t member, const RoomFrame& announce) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = local_members_.find(channel);
    if (it != local_members_.end()) {
      it->second.erase(member);
      if (it->second.empty()) local_members_.erase(it);
    }
  }
  std::string key = member_key(server_id_, member);
  queue({Kind::kLeave, channel, key, {}, encode(Kind::kLeave, server_id_, key, {}, announce, false)});
}

uint32_t RedisBackplane::remote_members(const std::string& channel, std::string* records) const {
  std::lock_guard<std::mutex> lock(directory_mutex_);
  auto it = directory_.find(channel);
  if (it == directory_.end()) return 0;
  if (records) {
    for (const auto& [key, presence] : it->second) put_field(*records, presence);
  }
  return static_cast<uint32_t>(it->second.size());
}

BackplaneStats RedisBackplane::stats() const {
  BackplaneStats stats;
  stats.connected = connected_.load() && subscribed_.load();
  stats.published = published_.load();
  stats.received = received_.load();
  stats.lost = lost_.load();
  return stats;
}

bool RedisBackplane::wait_to_retry(std::chrono::milliseconds& backoff) {
  std::unique_lock<std::mutex> lock(mutex_);
  bool stopping = wake_.wait_for(lock, backoff, [this] { return stop_.load(); });
  backoff = std::min(backoff * 2, kMostBackoff);
  return !stopping;
}

void RedisBackplane::publisher_loop() {
  auto backoff = kFirstBackoff;
  bool reported = false;
  while (!stopped()) {
    Connection redis;
    std::string error;
    if (!redis.open(address_, error)) {
      if (!reported) {
        log(LogLevel::kWarning, "Redis backplane: cannot reach %s:%d (%s); rooms stay local until it answers",
            address_.host.c_str(), address_.port, error.c_str());
        reported = true;
      }
      if (!wait_to_retry(backoff)) return;
      continue;
    }
    redis.limit_commands();
    try {
      if (!register_members(redis)) {
        if (!wait_to_retry(backoff)) return;
        continue;
      }
      log(LogLevel::kInfo, "Redis backplane: connected to %s:%d as server %s", address_.host.c_str(), address_.port,
          server_id_.c_str());
      reported = false;
      backoff = kFirstBackoff;
      connected_ = true;
      serve(redis);
    } catch (const std::exception& error) {
      log(LogLevel::kWarning, "Redis backplane: %s; reconnecting", error.what());  // out of memory, most likely
    }
    connected_ = false;
    if (stopped()) return;
    log(LogLevel::kWarning, "Redis backplane: lost %s:%d (%s); reconnecting", address_.host.c_str(), address_.port,
        redis.failure());
    if (!wait_to_retry(backoff)) return;
  }
}

// Sends what the rooms queue, keeps the heartbeat and the directory, until the connection fails or we stop.
void RedisBackplane::serve(Connection& redis) {
  auto next_heartbeat = Clock::now() + kHeartbeat;
  for (;;) {
    std::deque<Outgoing> batch;
    bool reload = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_until(lock, next_heartbeat, [this] { return stop_ || !queue_.empty() || directory_stale_; });
      if (stop_) return;
      batch.swap(queue_);
      queued_bytes_ = 0;
      reload = directory_stale_;
      directory_stale_ = false;
    }
    if (!batch.empty() && !send(redis, batch)) return;
    if (reload && !reload_directory(redis)) {
      mark_directory_stale();
      return;
    }
    if (Clock::now() >= next_heartbeat) {
      if (!heartbeat(redis)) return;
      next_heartbeat = Clock::now() + kHeartbeat;
    }
  }
}

// Pipelined: every command of the batch, then every reply. A room's history is loaded on its own afterwards.
bool RedisBackplane::send(Connection& redis, std::deque<Outgoing>& batch) {
  size_t sent = 0;
  std::vector<size_t> replies;  // per message: how many replies it waits for
  for (const Outgoing& out : batch) {
    if (out.kind == Kind::kLoadHistory) continue;
    size_t commands = 1;
    if (out.kind == Kind::kJoin) redis.append({"HSET", prefix_ + ":members:" + out.channel, out.member, out.presence});
    if (out.kind == Kind::kLeave) redis.append({"HDEL", prefix_ + ":members:" + out.channel, out.member});
    if (out.kind != Kind::kFrame) commands++;
    if (out.history_count > 0) {
      std::string history = prefix_ + ":history:" + out.channel;
      redis.append({"RPUSH", history, out.payload});
      redis.append({"LTRIM", history, "-" + std::to_string(out.history_count), "-1"});
      redis.append({"EXPIRE", history, std::to_string(kHistoryLifetimeSeconds)});
      commands += 3;
    }
    redis.append({"PUBLISH", room_channels_ + out.channel, out.payload});
    replies.push_back(commands);
    sent++;
  }
  size_t confirmed = 0;
  for (size_t commands : replies) {
    bool answered = true;
    for (size_t i = 0; i < commands && answered; ++i) answered = redis.reply() != nullptr;
    if (!answered) break;
    confirmed++;
  }
  published_ += confirmed;
  if (confirmed < sent) {
    lost_ += sent - confirmed;  // never sent again: a message reaches another server at most once
    return false;
  }
  for (const Outgoing& out : batch) {
    if (out.kind == Kind::kLoadHistory && !load_history(redis, out)) return false;
  }
  return true;
}

bool RedisBackplane::load_history(Connection& redis, const Outgoing& request) {
  Reply list =
      redis.run({"LRANGE", prefix_ + ":history:" + request.channel, "-" + std::to_string(request.history_count), "-1"});
  if (!list) return false;
  if (list->type != REDIS_REPLY_ARRAY || list->elements == 0) return true;
  try {
    std::vector<RoomFrame> frames;
    for (size_t i = 0; i < list->elements; ++i) {
      RoomFrame frame;
      if (decode_frame(text_of(list->element[i]), frame)) frames.push_back(std::move(frame));
    }
    listener_.remote_history(*this, request.channel, frames);
  } catch (const std::bad_alloc&) {
    log(LogLevel::kWarning, "Redis backplane: no memory for the history of a room; it starts without");
  }
  return true;
}

// After a (re)connection: this server's members again (a restarted Redis has forgotten them), then its key (so
// a server whose key exists has registered its members), then a word to the others to read them again.
bool RedisBackplane::register_members(Connection& redis) {
  std::map<std::string, std::map<uint32_t, std::string>> members;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    members = local_members_;
    directory_stale_ = true;
  }
  size_t commands = 2;
  for (const auto& [channel, of_channel] : members) {
    for (const auto& [member, presence] : of_channel) {
      redis.append({"HSET", prefix_ + ":members:" + channel, member_key(server_id_, member), presence});
      commands++;
    }
  }
  redis.append({"SET", prefix_ + ":server:" + server_id_, "1", "EX", std::to_string(kServerLifetimeSeconds)});
  redis.append(
      {"PUBLISH", room_channels_ + kServersChannel, encode(Kind::kRegistered, server_id_, {}, {}, RoomFrame{}, false)});
  for (size_t i = 0; i < commands; ++i) {
    if (!redis.reply()) return false;
  }
  return true;
}

bool RedisBackplane::heartbeat(Connection& redis) {
  if (!redis.run({"SET", prefix_ + ":server:" + server_id_, "1", "EX", std::to_string(kServerLifetimeSeconds)})) {
    return false;
  }
  // A server in the directory that stopped refreshing its key died without a word: its members are gone.
  std::set<std::string> servers;
  {
    std::lock_guard<std::mutex> lock(directory_mutex_);
    for (const auto& [channel, members] : directory_) {
      for (const auto& [key, presence] : members) servers.insert(key.substr(0, key.find('/')));
    }
  }
  for (const std::string& server : servers) {
    Reply alive = redis.run({"EXISTS", prefix_ + ":server:" + server});
    if (!alive) return false;
    if (alive->type == REDIS_REPLY_INTEGER && alive->integer == 1) {
      misses_.erase(server);
    } else if (++misses_[server] >= kMissesBeforeGone) {
      misses_.erase(server);
      if (!forget_server(redis, server)) return false;
    }
  }
  return true;
}

// Takes a dead server's members out of the directory and out of Redis, has them announced as gone, and tells
// the other servers, which may not have noticed yet.
bool RedisBackplane::forget_server(Connection& redis, const std::string& server) {
  std::vector<std::pair<std::string, std::string>> stale = drop_server(server);
  for (const auto& [channel, member] : stale) {
    if (!redis.run({"HDEL", prefix_ + ":members:" + channel, member})) return false;
  }
  return static_cast<bool>(redis.run(
      {"PUBLISH", room_channels_ + kServersChannel, encode(Kind::kGone, server_id_, server, {}, RoomFrame{}, false)}));
}

// Takes `server`'s members out of the directory and has them announced; returns them as (channel, member).
std::vector<std::pair<std::string, std::string>> RedisBackplane::drop_server(const std::string& server) {
  std::map<std::string, std::string> lost;  // channel -> records
  std::vector<std::pair<std::string, std::string>> dropped;
  {
    std::lock_guard<std::mutex> lock(directory_mutex_);
    for (auto channel = directory_.begin(); channel != directory_.end();) {
      auto& members = channel->second;
      for (auto member = members.begin(); member != members.end();) {
        if (member->first.compare(0, server.size() + 1, server + "/") == 0) {
          put_field(lost[channel->first], member->second);
          dropped.emplace_back(channel->first, member->first);
          member = members.erase(member);
        } else {
          ++member;
        }
      }
      channel = members.empty() ? directory_.erase(channel) : std::next(channel);
    }
  }
  for (const auto& [channel, records] : lost) listener_.remote_members_lost(*this, channel, records);
  return dropped;
}

void RedisBackplane::mark_directory_stale() {
  std::lock_guard<std::mutex> lock(mutex_);
  directory_stale_ = true;
}

// Reads every member hash under the prefix. A server whose key exists is authoritative: its members are what
// Redis says, and those we knew that are not there any more left while we were not listening (announced). A
// server whose key is missing keeps what we knew of it: after a Redis restart it may not have registered again
// yet; the heartbeat decides when it is gone.
bool RedisBackplane::reload_directory(Connection& redis) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    Reply page = redis.run({"SCAN", cursor, "MATCH", prefix_ + ":members:*", "COUNT", "1000"});
    if (!page || page->type != REDIS_REPLY_ARRAY || page->elements != 2) return false;
    cursor = std::string(text_of(page->element[0]));
    const redisReply* found = page->element[1];
    for (size_t i = 0; i < found->elements; ++i) keys.emplace_back(text_of(found->element[i]));
  } while (cursor != "0");

  std::map<std::string, std::map<std::string, std::string>> loaded;
  std::set<std::string> servers;  // every other server in Redis's hashes or in our directory
  std::map<std::string, bool> alive;
  auto is_alive = [&](const std::string& server, bool& answer) {
    auto known = alive.find(server);
    if (known == alive.end()) {
      Reply exists = redis.run({"EXISTS", prefix_ + ":server:" + server});
      if (!exists) return false;
      known = alive.emplace(server, exists->type == REDIS_REPLY_INTEGER && exists->integer == 1).first;
    }
    answer = known->second;
    return true;
  };
  const std::string members_prefix = prefix_ + ":members:";
  for (const std::string& key : keys) {
    Reply fields = redis.run({"HGETALL", key});
    if (!fields || fields->type != REDIS_REPLY_ARRAY) return false;
    std::string channel = key.substr(members_prefix.size());
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
      std::string member(text_of(fields->element[i]));
      std::string server = member.substr(0, member.find('/'));
      if (server == server_id_) continue;
      loaded[channel][member] = std::string(text_of(fields->element[i + 1]));
      servers.insert(server);
    }
  }
  {
    std::lock_guard<std::mutex> lock(directory_mutex_);
    for (const auto& [channel, members] : directory_) {
      for (const auto& [member, presence] : members) servers.insert(member.substr(0, member.find('/')));
    }
  }
  for (const std::string& server : servers) {
    bool answer = false;
    if (!is_alive(server, answer)) return false;
  }

  std::map<std::string, std::string> lost;  // channel -> records of members gone meanwhile
  {
    std::lock_guard<std::mutex> lock(directory_mutex_);
    std::map<std::string, std::map<std::string, std::string>> directory;
    for (const auto& [channel, members] : loaded) {
      for (const auto& [member, presence] : members) {
        if (alive[member.substr(0, member.find('/'))]) directory[channel][member] = presence;
      }
    }
    for (const auto& [channel, members] : directory_) {
      for (const auto& [member, presence] : members) {
        if (!alive[member.substr(0, member.find('/'))]) {
          directory[channel][member] = presence;  // not registered again yet, or gone: the heartbeat will tell
        } else if (directory[channel].count(member) == 0) {
          put_field(lost[channel], presence);
        }
      }
    }
    for (auto it = directory.begin(); it != directory.end();)
      it = it->second.empty() ? directory.erase(it) : std::next(it);
    directory_.swap(directory);
  }
  for (const auto& [channel, records] : lost) listener_.remote_members_lost(*this, channel, records);
  return true;
}

void RedisBackplane::subscriber_loop() {
  auto backoff = kFirstBackoff;
  const std::string pattern = room_channels_ + "*";
  const size_t channel_offset = room_channels_.size();
  while (!stopped()) {
    Connection redis;
    std::string error;
    if (!redis.open(address_, error) || !redis.run({"PSUBSCRIBE", pattern})) {
      if (!wait_to_retry(backoff)) return;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(subscriber_mutex_);
      if (stopped()) return;
      subscriber_fd_ = redis.fd();
    }
    backoff = kFirstBackoff;
    subscribed_ = true;
    mark_directory_stale();  // what happened while we were not listening is only in Redis's hashes
    wake_.notify_all();
    try {
      while (Reply message = redis.reply()) {
        if (message->type != REDIS_REPLY_ARRAY || message->elements != 4) continue;
        if (text_of(message->element[0]) != "pmessage") continue;
        std::string_view channel = text_of(message->element[2]);
        if (channel.size() < channel_offset) continue;
        received(std::string(channel.substr(channel_offset)), text_of(message->element[3]));
      }
    } catch (const std::exception& error) {
      log(LogLevel::kWarning, "Redis backplane: %s; listening again", error.what());
    }
    subscribed_ = false;
    {
      std::lock_guard<std::mutex> lock(subscriber_mutex_);
      subscriber_fd_ = -1;
    }
    if (!wait_to_retry(backoff)) return;
  }
}

void RedisBackplane::received(const std::string& channel, std::string_view payload) {
  Message message;
  if (!decode(payload, message)) return;
  if (message.server == server_id_) return;  // ours: its members heard it when it was sent
  if (message.kind == Kind::kRegistered) {   // another server registered its members again: read them
    mark_directory_stale();
    wake_.notify_all();
    return;
  }
  if (message.kind == Kind::kGone) {  // another server found one dead: its members are gone here too
    drop_server(std::string(message.member));
    return;
  }
  const Kind kind = message.kind;
  const std::string_view member = message.member, presence = message.presence;
  if (kind == Kind::kJoin || kind == Kind::kLeave) {
    std::lock_guard<std::mutex> lock(directory_mutex_);
    auto& members = directory_[channel];
    if (kind == Kind::kJoin) {
      members[std::string(member)] = std::string(presence);
    } else {
      members.erase(std::string(member));
      if (members.empty()) directory_.erase(channel);
    }
  }
  if (message.plain.empty()) return;
  try {
    listener_.remote_frame(*this, channel, message.frame(), message.keep);
    received_++;
  } catch (const std::bad_alloc&) {
    lost_++;
  }
}

}  // namespace cs
