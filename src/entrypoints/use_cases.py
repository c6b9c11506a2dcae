"""The use cases and the application services they share, as a dishka provider: the same
for the app (with the SQL adapters) and for the in-memory container (``di.in_memory_providers``)."""

from __future__ import annotations

from dishka import Provider, Scope, provide, provide_all

from application.accounts import AccountOpener
from application.derived.fold_counts import FoldCounts, RepairCounts
from application.derived.registry import HANDLERS
from application.derived.sweep_media import SweepUnattachedMedia
from application.idempotency import IdempotentRequests
from application.outbox import Outbox
from application.password_policy import PasswordPolicy
from application.throttle import Throttle
from application.token_issuer import TokenIssuer
from application.uploads import ImageUploads
from application.use_cases.block_user import BlockUser
from application.use_cases.bookmark_tweet import BookmarkTweet
from application.use_cases.build_feed import BuildFeed
from application.use_cases.change_user_status import ChangeUserStatus
from application.use_cases.count_unread_notifications import CountUnreadNotifications
from application.use_cases.create_superuser import CreateSuperuser
from application.use_cases.delete_tweet import DeleteTweet
from application.use_cases.describe_media import DescribeMedia
from application.use_cases.edit_tweet import EditTweet
from application.use_cases.follow_user import FollowUser
from application.use_cases.get_current_user import GetCurrentUser
from application.use_cases.get_profile import GetProfile
from application.use_cases.get_relationships import GetRelationships
from application.use_cases.get_settings import GetSettings
from application.use_cases.get_tweet import GetTweet
from application.use_cases.get_tweet_context import GetTweetContext
from application.use_cases.get_tweet_history import GetTweetHistory
from application.use_cases.like_tweet import LikeTweet
from application.use_cases.list_active_users import ListActiveUsers
from application.use_cases.list_blocks import ListBlocks
from application.use_cases.list_bookmarks import ListBookmarks
from application.use_cases.list_follows import ListFollowers, ListFollowing
from application.use_cases.list_likers import ListLikers
from application.use_cases.list_mutes import ListMutes
from application.use_cases.list_notifications import ListNotifications
from application.use_cases.list_quotes import ListQuotes
from application.use_cases.list_replies import ListReplies
from application.use_cases.list_reposters import ListReposters
from application.use_cases.list_tag_tweets import ListTagTweets
from application.use_cases.list_trending_tags import ListTrendingTags
from application.use_cases.list_user_tweets import ListUserTweets
from application.use_cases.list_users import ListUsers
from application.use_cases.log_in import LogIn
from application.use_cases.log_out import LogOut
from application.use_cases.log_out_everywhere import LogOutEverywhere
from application.use_cases.mark_notifications_read import MarkNotificationsRead
from application.use_cases.mute_user import MuteUser
from application.use_cases.open_media import OpenMedia
from application.use_cases.post_tweet import PostTweet
from application.use_cases.register_user import RegisterUser
from application.use_cases.remove_avatar import RemoveAvatar
from application.use_cases.remove_bookmark import RemoveBookmark
from application.use_cases.repost_tweet import RepostTweet
from application.use_cases.rotate_refresh_token import RotateRefreshToken
from application.use_cases.search_tweets import SearchTweets
from application.use_cases.search_users import SearchUsers
from application.use_cases.set_avatar import SetAvatar
from application.use_cases.unblock_user import UnblockUser
from application.use_cases.undo_repost import UndoRepost
from application.use_cases.unfollow_user import UnfollowUser
from application.use_cases.unlike_tweet import UnlikeTweet
from application.use_cases.unmute_user import UnmuteUser
from application.use_cases.update_current_user import UpdateCurrentUser
from application.use_cases.update_settings import UpdateSettings
from application.use_cases.upload_media import UploadMedia
from application.username_policy import UsernamePolicy
from application.write_limits import WriteLimits
from entrypoints.http.paths import RESERVED_USERNAMES


class UseCaseProvider(Provider):
    scope = Scope.REQUEST
    password_policy = provide(PasswordPolicy, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def username_policy(self) -> UsernamePolicy:
        return UsernamePolicy(reserved=RESERVED_USERNAMES)

    account_opener = provide(AccountOpener)
    token_issuer = provide(TokenIssuer)
    throttle = provide(Throttle, scope=Scope.APP)
    image_uploads = provide(ImageUploads)
    outbox = provide(Outbox)
    # The workers' handlers, built per job as use cases are per request.
    handlers = provide_all(*HANDLERS, FoldCounts, RepairCounts, SweepUnattachedMedia)
    write_limits = provide(WriteLimits)
    # One per process: it remembers when it last purged expired keys.
    idempotent_requests = provide(IdempotentRequests, scope=Scope.APP)
    use_cases = provide_all(
        RegisterUser,
        LogIn,
        RotateRefreshToken,
        LogOut,
        LogOutEverywhere,
        GetCurrentUser,
        UpdateCurrentUser,
        GetSettings,
        UpdateSettings,
        CreateSuperuser,
        PostTweet,
        GetTweet,
        EditTweet,
        DeleteTweet,
        LikeTweet,
        UnlikeTweet,
        FollowUser,
        UnfollowUser,
        BuildFeed,
        GetProfile,
        ListUserTweets,
        ListFollowers,
        ListFollowing,
        ListLikers,
        ListActiveUsers,
        ListUsers,
        ChangeUserStatus,
        SetAvatar,
        RemoveAvatar,
        OpenMedia,
        GetTweetHistory,
        UploadMedia,
        DescribeMedia,
        ListTagTweets,
        ListTrendingTags,
        RepostTweet,
        UndoRepost,
        ListReposters,
        ListReplies,
        GetTweetContext,
        ListQuotes,
        SearchTweets,
        SearchUsers,
        BlockUser,
        UnblockUser,
        MuteUser,
        UnmuteUser,
        ListBlocks,
        ListMutes,
        GetRelationships,
        BookmarkTweet,
        RemoveBookmark,
        ListBookmarks,
        ListNotifications,
        CountUnreadNotifications,
        MarkNotificationsRead,
    )
