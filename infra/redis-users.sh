#!/bin/sh
# Prints infra/users.acl (or the file given) ready for redis-server's `aclfile`: each user's password,
# read from REDIS_PASSWORD_<USER> (generation → REDIS_PASSWORD_GENERATION, health-probe →
# REDIS_PASSWORD_HEALTH_PROBE), is appended to its line as a SHA-256 (`#<hex>`), so the file holds no
# plain password. A user whose variable is unset or empty gets none and cannot sign in; the names of
# those users go to stderr. A placeholder (replace-me, change-me) or a password under 16 characters
# stops it (exit 3). With QUEUE_PREFIX set, the key patterns use it instead of {faultline}.
# POSIX sh and sha256sum only: it runs in the redis:*-alpine image as well as on a workstation.
set -eu
acl=${1:-$(dirname "$0")/users.acl}
prefix=${QUEUE_PREFIX:-{faultline\}}
case $prefix in *[!A-Za-z0-9_{}:.-]*)
  echo "redis-users.sh: QUEUE_PREFIX may hold letters, digits and {}:._- only" >&2
  exit 3
  ;;
esac
missing=
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
  'user '*)
    name=${line#user }
    name=${name%% *}
    var=REDIS_PASSWORD_$(printf %s "$name" | tr 'a-z-' 'A-Z_')
    eval "password=\${$var:-}"
    line=$(printf %s "$line" | sed "s/{faultline}/$prefix/g")
    case $password in *replace-me* | *change-me* | *changeme*)
      echo "redis-users.sh: $var is a placeholder: use openssl rand -hex 24" >&2
      exit 3
      ;;
    esac
    if [ -n "$password" ] && [ ${#password} -lt 16 ]; then
      echo "redis-users.sh: $var is shorter than 16 characters: use openssl rand -hex 24" >&2
      exit 3
    fi
    if [ -n "$password" ]; then
      # Last on the line: ACL rules apply left to right, after the line's own resetpass.
      line="$line #$(printf %s "$password" | sha256sum | cut -d' ' -f1)"
    elif [ "$name" != default ]; then
      missing="$missing $name"
    fi
    ;;
  esac
  printf '%s\n' "$line"
done <"$acl"
if [ -n "$missing" ]; then
  echo "redis-users.sh: no password for:$missing (set REDIS_PASSWORD_<USER>); they cannot sign in" >&2
fi
