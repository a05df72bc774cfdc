#include "chattypes.h"

void registerChatTypes()
{
    qRegisterMetaType<ChatMessage>();
    qRegisterMetaType<QList<ChatMessage>>();   // a history posted to a worker thread
    qRegisterMetaType<GenerationSettings>();
    qRegisterMetaType<GenerationStats>();
    qRegisterMetaType<BackendError>();
}
