#include "localtypes.h"

#include "chattypes.h"

#include <algorithm>

#ifdef Q_OS_LINUX
#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

void registerLocalTypes()
{
    registerChatTypes();
    qRegisterMetaType<LocalModelOptions>();
    qRegisterMetaType<LocalModelInfo>();
    qRegisterMetaType<CancelFlag>();
}

void lowerThreadPriority(int niceIncrement)
{
#ifdef Q_OS_LINUX
    const auto tid = id_t(syscall(SYS_gettid));
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, tid);
    if (errno == 0)
        (void)setpriority(PRIO_PROCESS, tid, std::min(current + niceIncrement, 19));
#else
    (void)niceIncrement;
#endif
}
