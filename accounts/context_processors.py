from accounts.roles import Role, user_roles


def roles(request):
    held = user_roles(request.user)
    return {
        "is_specialist": Role.SPECIALIST in held,
        "is_manager": Role.MANAGER in held,
        "is_admin_role": Role.ADMIN in held,
    }
