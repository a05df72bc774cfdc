#include "localtypes.h"

#include "chattypes.h"

void registerLocalTypes()
{
    registerChatTypes();
    qRegisterMetaType<LocalModelOptions>();
    qRegisterMetaType<LocalModelInfo>();
    qRegisterMetaType<CancelFlag>();
}
